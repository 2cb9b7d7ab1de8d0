"""The email channel: one SMTP connection per batch, with STARTTLS or TLS and credentials from config.

Every channel (SMS and social posting later) offers the same ``send(OutgoingMessage)`` and
raises ``Refused`` (the address will never take it: a hard bounce) or ``Deferred``
(nothing was accepted; try again later).
"""

from __future__ import annotations

import io
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from types import TracebackType
from typing import Protocol, Self

from crm_marketing.settings import SmtpSettings


@dataclass(frozen=True)
class OutgoingMessage:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


class Refused(Exception):
    """The server refused the recipient for good (5xx)."""


class Deferred(Exception):
    """The server did not accept the message; nothing was delivered."""


class Unreachable(Deferred):
    """No conversation with the server: nothing was delivered, and the next messages would fare no better."""


class Channel(Protocol):
    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def send(self, message: OutgoingMessage) -> None: ...


class SmtpChannel:
    def __init__(self, smtp: SmtpSettings, from_address: str) -> None:
        self.smtp = smtp
        self.from_address = from_address
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the connection is gone either way
            self.client = None

    def send(self, message: OutgoingMessage) -> None:
        email = self._compose(message)
        try:
            client = self._connected()
            if message.to.isascii() and self.from_address.isascii():
                client.sendmail(self.from_address, [message.to], _wire_bytes(email))
            else:
                client.send_message(email)  # needs the server's SMTPUTF8; refused (deferred) without it
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise (Refused if all(code >= 500 for code in codes) else Deferred)() from None
        except smtplib.SMTPSenderRefused:
            # Our own address refused: no recipient is to blame, so none is marked bounced.
            raise Deferred() from None
        except smtplib.SMTPDataError as error:
            raise (Refused if error.smtp_code >= 500 else Deferred)() from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError):
            self.client = None
            raise Unreachable() from None
        except smtplib.SMTPException:
            self.client = None
            raise Deferred() from None

    def _connected(self) -> smtplib.SMTP:
        if self.client is None:
            self.client = self._connect()
        return self.client

    def _connect(self) -> smtplib.SMTP:
        settings = self.smtp
        if settings.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
        return client

    def _compose(self, message: OutgoingMessage) -> MIMEMultipart:
        # The classic MIME classes build a message several times faster than EmailMessage's content manager.
        # A boundary of our own: base64 bodies cannot contain "=_", so the generator need not
        # search the parts for a collision (a third of the cost of flattening).
        email = MIMEMultipart("alternative", boundary=f"=_{uuid.uuid4().hex}")
        email["From"] = self.from_address
        email["To"] = message.to
        email["Date"] = formatdate()
        email["Subject"] = Header(message.subject, "utf-8").encode()
        email["Message-ID"] = make_msgid(domain=self.from_address.rpartition("@")[2] or None)
        for name, value in message.headers.items():
            email[name] = value
        email.attach(MIMEText(message.text, "plain", "utf-8"))
        email.attach(MIMEText(message.html, "html", "utf-8"))
        return email


def _wire_bytes(email: MIMEMultipart) -> bytes:
    """The message as SMTP carries it (CRLF line ends), as ``send_message`` would flatten it."""
    buffer = io.BytesIO()
    BytesGenerator(buffer).flatten(email, linesep="\r\n")
    return buffer.getvalue()
