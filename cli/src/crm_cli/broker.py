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
    where = connection_params(amqp_uri)["host"]
    return (
        f"crm: RabbitMQ does not answer at {where}. Start one (`rabbitmq-server -detached`, "
        "or `docker run -d -p 5672:5672 rabbitmq:3-management`) or set AMQP_URI."
    )


def service_is_running(amqp_uri: str, service: str) -> bool:
    """Does anything consume the service's RPC queue? Saves waiting out a timeout on a stopped service."""
    import amqp

    connection = amqp.Connection(connect_timeout=3, **connection_params(amqp_uri))
    connection.connect()
    try:
        _, _, consumers = connection.channel().queue_declare(f"rpc-{service}", passive=True)
    except amqp.exceptions.NotFound:
        return False
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - a passive declare that failed closed the channel already
            pass
    return bool(consumers)
