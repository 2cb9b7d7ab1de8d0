"""Benchmarks of the CRM suite: real processes, real RabbitMQ and PostgreSQL, all on 127.0.0.1.

Every benchmark starts the suite itself (``crm up`` as a subprocess) against PostgreSQL
databases and a RabbitMQ vhost it creates for the run, and drops them at the end.
Run them all with ``python -m bench.run_all`` (``make bench``); figures are printed and
written to ``bench/results/``. Nothing here asserts on timings.
"""
