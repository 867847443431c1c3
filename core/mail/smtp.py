"""SMTP for the outbox: the configuration from one URL, one connection per batch, and the
message as it goes on the wire.

The connection sorts every failure by what it says about the message, because that
decides whether the outbox may try again without sending it twice:
- `NotSent`: the message cannot have reached the server (no connection, no TLS, no
  login, a 4xx to MAIL, RCPT or DATA): safe to retry;
- `Refused`: the server answered 5xx: it will not take this message, retrying is useless;
- `Uncertain`: the connection failed after the DATA command went out: the server may
  have the message, and only a person may decide to send it again.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from types import TracebackType
from typing import Literal
from urllib.parse import unquote, urlsplit

from core.errors import HeadstartError

Security = Literal["plain", "starttls", "tls"]
SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
DEFAULT_TIMEOUT = 30.0
# Bodies in quoted-printable or base64, headers in RFC 2047 words: every server takes
# 7-bit mail, whatever it says about 8BITMIME; CRLF line ends as SMTP wants them.
WIRE_POLICY = policy.SMTP.clone(cte_type="7bit")
# For a non-ASCII address, which only a server offering SMTPUTF8 may take.
UTF8_POLICY = policy.SMTPUTF8


class NotSent(Exception):
    """The message did not reach the server: it may be retried."""


class Refused(Exception):
    """The server refused the message for good (5xx): retrying would be refused again."""


class Uncertain(Exception):
    """The connection failed once the server may have had the message."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send. Server certificates are always verified for TLS (against
    the system's CAs, or only `ca_file` for a private CA), host name included."""

    host: str
    port: int
    security: Security = "plain"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    ca_file: Path | None = None

    @classmethod
    def from_url(cls, url: str, *, timeout: float = DEFAULT_TIMEOUT, ca_file: Path | None = None) -> SmtpConfig:
        """smtp://host:port, smtp+starttls://user:password@host:587, smtps://user:password@host:465
        (user and password percent-encoded)."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            raise HeadstartError(
                f"The SMTP URL must begin with {', '.join(s + '://' for s in SCHEMES)}, not {_redacted(url)!r}"
            )
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise HeadstartError(f"The SMTP URL {_redacted(url)!r} has a path or query; it takes none")
        try:
            port = parts.port
        except ValueError:
            raise HeadstartError(f"The SMTP URL {_redacted(url)!r} has an invalid port") from None
        if not parts.hostname:
            raise HeadstartError(f"The SMTP URL {_redacted(url)!r} names no host")
        if timeout <= 0:
            raise HeadstartError(f"The SMTP timeout must be a positive number of seconds, not {timeout}")
        security, default_port = SCHEMES[scheme]
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if username is None and password is not None:
            raise HeadstartError(f"The SMTP URL {_redacted(url)!r} has a password but no user name")
        if username is not None and security == "plain":
            raise HeadstartError("The SMTP URL sends a password: use smtp+starttls:// or smtps://, not smtp://")
        return cls(
            host=parts.hostname,
            port=port or default_port,
            security=security,
            username=username,
            password=(password or "") if username is not None else None,
            timeout=timeout,
            ca_file=ca_file,
        )

    def __str__(self) -> str:
        scheme = next(name for name, (security, _port) in SCHEMES.items() if security == self.security)
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{user}{host}:{self.port}"

    def tls_context(self) -> ssl.SSLContext:
        """Verification on, host names checked; a CA file replaces the system's CAs."""
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)


def _redacted(url: str) -> str:
    """The URL as it may appear in a message: the password replaced."""
    parts = urlsplit(url.strip())
    if parts.password is None:
        return url.strip()
    return parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", ":***@", 1)).geturl()


def envelope_address(sender: str) -> str:
    """The bare address of a From value such as "Headstart <headstart@example.org>"."""
    _name, address = parseaddr(sender)
    if "@" not in address:
        raise HeadstartError(f"The mail sender {sender!r} is not an e-mail address")
    return address


def build_message(
    *, sender: str, to_address: str, subject: str, text: str, html: str | None, language: str, message_id: str, date: datetime
) -> EmailMessage:
    """The message as the outbox sends it: plain text, with an HTML alternative if given."""
    message = EmailMessage(policy=UTF8_POLICY if not (sender + to_address).isascii() else WIRE_POLICY)
    message["From"] = sender
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message.set_content(text, charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    message["Content-Language"] = language  # after the content: set_content clears Content-* headers
    return message


class SmtpConnection:
    """One SMTP session for a batch: connected, secured and logged in on entry."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        try:
            self._smtp = self._open()
        except (smtplib.SMTPException, OSError) as error:
            raise NotSent(f"cannot use the SMTP server {self.config}: {_describe(error)}") from error
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if kind is None:
                smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass  # the messages are delivered or not already; QUIT changes nothing
        finally:
            smtp.close()

    def _open(self) -> smtplib.SMTP:
        config = self.config
        smtp: smtplib.SMTP
        # The constructor connects and reads the greeting (closing the socket itself if
        # that fails); the host it is given is the name TLS checks the certificate for.
        if config.security == "tls":
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=config.tls_context())
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            smtp.ehlo()
            if config.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise NotSent(
                        f"the SMTP server {config} does not offer STARTTLS, which smtp+starttls:// requires;"
                        " nothing was sent in clear"
                    )
                smtp.starttls(context=config.tls_context())
                smtp.ehlo()
            if config.username is not None:
                smtp.login(config.username, config.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    @property
    def broken(self) -> bool:
        return self._smtp is None or self._smtp.sock is None

    def send(self, message: EmailMessage, *, sender: str, recipient: str, before_data: Callable[[], bool]) -> None:
        """MAIL, RCPT, then DATA only if `before_data()` (which records that DATA starts)
        returns True; raises NotSent, Refused or Uncertain."""
        smtp = self._smtp
        if smtp is None or smtp.sock is None:
            raise NotSent("the connection to the SMTP server was lost before this message")
        utf8 = not (sender + recipient).isascii()
        if utf8 and not smtp.has_extn("smtputf8"):
            raise Refused(f"the SMTP server {self.config} does not offer SMTPUTF8, needed for {recipient!r}")
        try:
            self._envelope(smtp, sender=sender, recipient=recipient, utf8=utf8)
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            raise NotSent(f"the connection failed before DATA: {_describe(error)}") from error
        if not before_data():
            _reset(smtp)
            raise NotSent("the message was taken from this worker before DATA (recovered as stale)")
        payload = message.as_bytes(policy=message.policy)
        try:
            smtp.data(payload)
        except smtplib.SMTPDataError as error:  # the server answered: it does not have the message
            _reset(smtp)
            if 500 <= error.smtp_code < 600:
                raise Refused(f"DATA refused: {_describe(error)}") from error
            raise NotSent(f"DATA refused for now: {_describe(error)}") from error
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            raise Uncertain(f"the connection failed during DATA: {_describe(error)}") from error

    def _envelope(self, smtp: smtplib.SMTP, *, sender: str, recipient: str, utf8: bool) -> None:
        code, reply = smtp.mail(sender, ["SMTPUTF8"] if utf8 else [])
        if code != 250:
            _reset(smtp)
            _raise_refusal("MAIL FROM", sender, code, reply)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            _reset(smtp)
            _raise_refusal("RCPT TO", recipient, code, reply)


def _raise_refusal(command: str, address: str, code: int, reply: bytes) -> None:
    text = f"{command} <{address}>: {code} {reply.decode('utf-8', 'replace')}"
    if 500 <= code < 600:
        raise Refused(text)
    raise NotSent(text)


def _reset(smtp: smtplib.SMTP) -> None:
    """RSET after a refusal, so that the next message of the batch starts clean."""
    try:
        smtp.rset()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {reply}"
    if isinstance(error, NotSent):
        return str(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
