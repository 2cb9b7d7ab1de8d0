"""Is the broker there? One clear line if not, instead of a traceback."""

from __future__ import annotations

from crm_shared.publisher import connection_params


def broker_answers(amqp_uri: str, timeout: float = 3.0) -> bool:
    import amqp

    params = connection_params(amqp_uri)
    try:
        connection = amqp.Connection(connect_timeout=timeout, **params)
        connection.connect()
        connection.close()
    except (TimeoutError, OSError, amqp.exceptions.AMQPError):
        return False
    return True


def broker_missing_message(amqp_uri: str) -> str:
    safe = amqp_uri.split("@")[-1]
    return (
        f"crm: RabbitMQ does not answer at {safe}. Start one (`rabbitmq-server -detached`, "
        "or `docker run -d -p 5672:5672 rabbitmq:3-management`) or set AMQP_URI."
    )
