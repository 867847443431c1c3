"""The mail outbox (core/mail) against real parts: aiosmtpd servers on loopback, TLS with
certificates of a private CA (trustme), a worker process killed in the middle of a batch.

What must hold: mail is sent after the commit only, retried when it surely did not
arrive, never retried when the server may have it, and never sent twice, whether a
worker dies or two race. No test waits for time to pass: `now` moves instead, and
threads and processes are synchronised with events.
"""

from __future__ import annotations

import asyncio
import email
import logging
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlmodel import Session, select

from core.config import Settings
from core.db import session_scope
from core.errors import HeadstartError, NotFound
from core.mail.models import OutboxMessage, utcnow
from core.mail.outbox import (
    FIRST_RETRY,
    JITTER,
    MAX_ATTEMPTS,
    enqueue,
    outbox_page,
    recover_stale,
    resend,
    retry_delay,
    run_worker,
    send_due,
)
from core.mail.smtp import SmtpConfig

ROOT = Path(__file__).resolve().parent.parent
SENDER = "Headstart <headstart@example.org>"
USER, PASSWORD = "mailer", "s3cret:p@ss"
ARABIC = "مرحبا بكم في هيدستارت"
FRENCH = "Votre dossier a été mis à jour — étape suivante"


# ---------------------------------------------------------------------------- a real SMTP server


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    raw: bytes
    tls: bool
    authenticated: bool


@dataclass
class Handler:
    """aiosmtpd handler that keeps what it accepts. `rcpt_replies` answer RCPT TO in
    turn (then 250); `block_at` holds the nth message's DATA until `release` is set."""

    rcpt_replies: list[str] = field(default_factory=list)
    block_at: int | None = None
    received: list[Received] = field(default_factory=list)
    in_flight: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    data_count: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_count += 1
        raw = envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw,
                                      session.ssl is not None, bool(session.authenticated)))  # fmt: skip
        self.arrived.set()
        if self.data_count == self.block_at:
            # The server has the whole message; the client waits for the 250 that does not come.
            self.in_flight.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
        return "250 Message accepted for delivery"

    def ids(self) -> list[str]:
        return [item.message["Message-ID"] for item in self.received]


class LoopbackSmtp(Controller):
    """aiosmtpd's Controller on a port the kernel picked, bound before the start: no race
    for a free port."""

    def __init__(self, handler: Handler, **kwargs) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self._listener.getsockname()[1], **kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._listener, ssl=self.ssl_context)


@pytest.fixture
def smtp_server() -> Iterator:
    """start(handler=None, **aiosmtpd options) -> (port, handler); all stopped afterwards."""
    started: list[LoopbackSmtp] = []

    def start(handler: Handler | None = None, **options) -> tuple[int, Handler]:
        handler = handler or Handler()
        controller = LoopbackSmtp(handler, **options)
        controller.start()
        started.append(controller)
        return controller.port, handler

    yield start
    for controller in started:
        controller.handler.release.set()
        controller.stop()


@pytest.fixture(scope="module")
def private_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(private_ca, tmp_path: Path) -> Path:
    path = tmp_path / "private-ca.pem"
    private_ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def server_tls(private_ca) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    private_ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def check_password(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def plain(port: int, **options) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, timeout=options.pop("timeout", 10), **options)


# ---------------------------------------------------------------------------- helpers


def queue(engine, count: int = 1, **content) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        return [
            enqueue(session, to_address=f"person{n}@example.net", subject=content.get("subject", f"Message {n}"),
                    text=content.get("text", f"Body {n}"), html=content.get("html"), language=content.get("language", "en"),
                    source=f"test:{n}")  # fmt: skip
            for n in range(1, count + 1)
        ]


def row(engine, row_id: int) -> OutboxMessage:
    with Session(engine) as session:
        found = session.get(OutboxMessage, row_id)
        assert found is not None
        return found


def text_of(part) -> str:
    """A text part's content, its canonical CRLF line ends (RFC 2046) read as newlines."""
    return part.get_content().replace("\r\n", "\n").rstrip("\n")


def statuses(engine) -> dict[int, str]:
    with Session(engine) as session:
        return {r.id: r.status for r in session.exec(select(OutboxMessage))}


# ---------------------------------------------------------------------------- delivery


@pytest.mark.parametrize(
    ("subject", "language"), [(ARABIC, "ar"), (FRENCH, "fr")], ids=["arabic", "french"]
)
def test_a_queued_message_arrives_once_with_its_headers_and_parts(engine, smtp_server, subject, language):
    port, handler = smtp_server()
    html = f"<p dir='auto'>{subject}</p><p><a href='https://example.org/x'>Ouvrir</a></p>"
    (message,) = queue(engine, subject=subject, text=f"{subject}\n\nLigne deux — ça marche.", html=html, language=language)

    report = send_due(engine, config=plain(port), sender=SENDER)

    assert (report.sent, report.retry, report.failed, report.uncertain) == (1, 0, 0, 0)
    (got,) = handler.received
    assert got.mail_from == "headstart@example.org" and got.rcpt_tos == ["person1@example.net"]
    assert got.message["From"] == SENDER and got.message["To"] == "person1@example.net"
    assert got.message["Subject"] == subject
    assert got.message["Message-ID"] == message.message_id
    assert got.message["Content-Language"] == language and got.message["Date"]
    assert text_of(got.message.get_body(("plain",))) == f"{subject}\n\nLigne deux — ça marche."
    assert text_of(got.message.get_body(("html",))) == html
    assert got.raw.isascii()  # 7-bit on the wire: no server's lack of 8BITMIME can mangle it
    sent = row(engine, message.id)
    assert sent.status == "sent" and sent.sent_at is not None and sent.attempts == 1 and sent.last_error == ""

    assert send_due(engine, config=plain(port), sender=SENDER, now=utcnow() + timedelta(days=1)).sent == 0
    assert len(handler.received) == 1


def test_text_only_mail_is_a_single_part(engine, smtp_server):
    port, handler = smtp_server()
    queue(engine)
    send_due(engine, config=plain(port), sender=SENDER)
    (got,) = handler.received
    assert not got.message.is_multipart() and text_of(got.message) == "Body 1"


def test_mail_exists_only_if_the_callers_transaction_commits(engine):
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        enqueue(session, to_address="a@example.net", subject="s", text="t")
        raise RuntimeError("the request failed after enqueueing")
    assert statuses(engine) == {}


@pytest.mark.parametrize(
    "address", ["no-at-sign", "two@at@example.net", "a@example.net\r\nBcc: b@example.net", "a@b.c, d@e.f",
                "@example.net", "x" * 310 + "@example.net"],
)  # fmt: skip
def test_enqueue_refuses_what_is_not_one_address(engine, address):
    with Session(engine) as session, pytest.raises(HeadstartError) as refused:
        enqueue(session, to_address=address, subject="s", text="t")
    assert refused.value.field == "to_address"


def test_enqueue_wants_all_content_or_none(engine):
    with Session(engine) as session:
        with pytest.raises(HeadstartError, match="subject and text"):
            enqueue(session, to_address="a@example.net", subject="only a subject")
        with pytest.raises(HeadstartError, match="subject and text"):
            enqueue(session, to_address="a@example.net", html="<p>only html</p>")


def test_a_subject_is_kept_on_one_line(engine, smtp_server):
    port, handler = smtp_server()
    queue(engine, subject="Hello\r\nBcc: victim@example.net")
    send_due(engine, config=plain(port), sender=SENDER)
    (got,) = handler.received
    assert got.message["Subject"] == "Hello Bcc: victim@example.net" and got.message["Bcc"] is None


# ---------------------------------------------------------------------------- TLS and login


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_starttls_with_a_private_ca_and_a_checked_password(engine, smtp_server, server_tls, ca_file, mechanism):
    other = {"PLAIN": "LOGIN", "LOGIN": "PLAIN"}[mechanism]
    port, handler = smtp_server(tls_context=server_tls, require_starttls=True, authenticator=check_password,
                                auth_required=True, auth_exclude_mechanism=[other])  # fmt: skip
    url = f"smtp+starttls://{USER}:s3cret%3Ap%40ss@127.0.0.1:{port}"
    queue(engine)

    report = send_due(engine, config=SmtpConfig.from_url(url, timeout=10, ca_file=ca_file), sender=SENDER)

    assert report.sent == 1, row(engine, 1).last_error
    assert handler.received[0].tls and handler.received[0].authenticated


def test_implicit_tls(engine, smtp_server, server_tls, ca_file):
    # aiosmtpd cannot tell implicit TLS from none: it must allow AUTH "without" TLS here.
    port, handler = smtp_server(ssl_context=server_tls, authenticator=check_password, auth_require_tls=False)
    queue(engine)
    config = SmtpConfig.from_url(f"smtps://{USER}:s3cret%3Ap%40ss@127.0.0.1:{port}", timeout=10, ca_file=ca_file)
    assert send_due(engine, config=config, sender=SENDER).sent == 1, row(engine, 1).last_error
    (got,) = handler.received
    assert got.authenticated


def test_a_certificate_of_an_unknown_ca_is_refused(engine, smtp_server, server_tls):
    port, handler = smtp_server(tls_context=server_tls)
    queue(engine)
    report = send_due(engine, config=plain(port, security="starttls"), sender=SENDER)  # system CAs only
    assert report.retry == 1 and handler.received == []
    assert "CERTIFICATE_VERIFY_FAILED" in row(engine, 1).last_error


def test_no_starttls_offered_means_nothing_sent_in_clear(engine, smtp_server):
    port, handler = smtp_server()
    queue(engine)
    report = send_due(engine, config=plain(port, security="starttls"), sender=SENDER)
    assert report.retry == 1 and handler.received == []
    queued = row(engine, 1)
    assert queued.status == "queued" and queued.attempts == 1 and queued.next_attempt_at > utcnow()
    assert "does not offer STARTTLS" in queued.last_error


def test_wrong_credentials_are_retried_then_failed(engine, smtp_server, server_tls, ca_file):
    port, handler = smtp_server(tls_context=server_tls, authenticator=check_password, auth_required=True)
    queue(engine)
    config = SmtpConfig.from_url(f"smtp+starttls://{USER}:wrong@127.0.0.1:{port}", timeout=10, ca_file=ca_file)
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = send_due(engine, config=config, sender=SENDER, now=now)
        current = row(engine, 1)
        assert current.attempts == attempt and "535" in current.last_error, current.last_error
        now = current.next_attempt_at + timedelta(seconds=1)
    assert report.failed == 1 and current.status == "failed" and f"gave up after {MAX_ATTEMPTS}" in current.last_error
    assert handler.received == []


# ---------------------------------------------------------------------------- refusals


def test_a_recipient_refused_for_good_fails_and_is_not_retried(engine, smtp_server):
    port, handler = smtp_server(Handler(rcpt_replies=["550 5.1.1 <person1@example.net>: no such user"]))
    queue(engine, 2)
    report = send_due(engine, config=plain(port), sender=SENDER)
    assert (report.sent, report.failed) == (1, 1)  # the next message of the batch goes on
    failed = row(engine, 1)
    assert failed.status == "failed" and "550 5.1.1" in failed.last_error and "no such user" in failed.last_error
    assert send_due(engine, config=plain(port), sender=SENDER, now=utcnow() + timedelta(days=2)).sent == 0
    assert [item.rcpt_tos for item in handler.received] == [["person2@example.net"]]


def test_a_temporary_refusal_is_retried_with_back_off(engine, smtp_server):
    port, handler = smtp_server(Handler(rcpt_replies=["451 4.3.0 try again later"]))
    queue(engine)
    now = utcnow()
    report = send_due(engine, config=plain(port), sender=SENDER, now=now)
    assert report.retry == 1 and handler.received == []
    waiting = row(engine, 1)
    assert waiting.status == "queued" and waiting.attempts == 1 and "451 4.3.0" in waiting.last_error
    assert now + FIRST_RETRY <= waiting.next_attempt_at <= now + FIRST_RETRY * (1 + JITTER)

    assert send_due(engine, config=plain(port), sender=SENDER, now=now + timedelta(seconds=30)).sent == 0
    report = send_due(engine, config=plain(port), sender=SENDER, now=waiting.next_attempt_at + timedelta(seconds=1))
    assert report.sent == 1 and len(handler.received) == 1
    assert row(engine, 1).status == "sent" and row(engine, 1).attempts == 2


def test_back_off_doubles_up_to_six_hours():
    assert [int(retry_delay(n) / FIRST_RETRY) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert timedelta(hours=6) <= retry_delay(20) <= timedelta(hours=6) * (1 + JITTER)


# ---------------------------------------------------------------------------- servers down


def test_nothing_listening_is_a_retry(engine):
    with socket.socket() as bound:  # bound, never listening: the kernel refuses connections
        bound.bind(("127.0.0.1", 0))
        queue(engine, 2)
        report = send_due(engine, config=plain(bound.getsockname()[1]), sender=SENDER)
    assert report.retry == 2 and report.sent == 0
    assert all(row(engine, n).status == "queued" and row(engine, n).attempts == 1 for n in (1, 2))
    assert "refused" in row(engine, 1).last_error.lower()


def test_a_server_that_never_answers_times_out_into_a_retry(engine):
    with socket.create_server(("127.0.0.1", 0)) as listener:  # accepts (the kernel does), never says a word
        queue(engine)
        report = send_due(engine, config=plain(listener.getsockname()[1], timeout=1), sender=SENDER)
    assert report.retry == 1
    waiting = row(engine, 1)
    assert waiting.status == "queued" and waiting.next_attempt_at > utcnow()
    assert "timed out" in waiting.last_error.lower()


# ---------------------------------------------------------------------------- never twice

WORKER = """
import sys
from core.db import make_engine
from core.mail.outbox import send_due
from core.mail.smtp import SmtpConfig

engine = make_engine(sys.argv[1])
send_due(engine, config=SmtpConfig(host="127.0.0.1", port=int(sys.argv[2]), timeout=120), sender=sys.argv[3])
"""


def test_a_worker_killed_in_the_middle_of_a_batch_sends_nothing_twice(engine, database_url, smtp_server):
    port, handler = smtp_server(Handler(block_at=3))
    messages = queue(engine, 6)
    with subprocess.Popen([sys.executable, "-c", WORKER, database_url, str(port), SENDER], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as worker:  # fmt: skip
        while not handler.in_flight.wait(0.05):  # the third message is in the server's hands
            assert worker.poll() is None, worker.communicate()
        worker.send_signal(signal.SIGKILL)
        worker.communicate()
    handler.release.set()
    assert statuses(engine) == {1: "sent", 2: "sent", 3: "sending", 4: "sending", 5: "sending", 6: "sending"}

    # Later (past the stale limit), a new worker: send_due recovers what the dead one held.
    report = send_due(engine, config=plain(port), sender=SENDER, now=utcnow() + timedelta(minutes=11))

    assert report.sent == 3 and report.uncertain == 0
    ids = handler.ids()
    assert all(ids.count(m.message_id) == 1 for m in messages if m.id != 3)
    assert ids.count(messages[2].message_id) <= 1
    assert ids[-3:] == [m.message_id for m in messages[3:]]  # sent by the second run
    assert statuses(engine) == {1: "sent", 2: "sent", 3: "uncertain", 4: "sent", 5: "sent", 6: "sent"}
    assert "may have it" in row(engine, 3).last_error
    assert send_due(engine, config=plain(port), sender=SENDER, now=utcnow() + timedelta(days=3)).sent == 0


def test_two_workers_racing_send_each_message_once(engine, smtp_server):
    port, handler = smtp_server()
    messages = queue(engine, 12)
    start = threading.Barrier(2)
    reports = []

    def work() -> None:
        start.wait()
        reports.append(send_due(engine, config=plain(port), sender=SENDER))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in reports) == 12
    assert sorted(handler.ids()) == sorted(m.message_id for m in messages)
    assert set(statuses(engine).values()) == {"sent"}


def test_a_connection_lost_during_data_leaves_the_message_uncertain(engine, smtp_server):
    port, handler = smtp_server(Handler(block_at=1))
    queue(engine, 2)
    report = send_due(engine, config=plain(port, timeout=1), sender=SENDER)  # the 250 never comes in time
    assert (report.uncertain, report.retry) == (1, 1)
    assert statuses(engine) == {1: "uncertain", 2: "queued"}
    assert "during DATA" in row(engine, 1).last_error


def test_recover_stale_requeues_only_what_surely_was_not_sent(engine):
    queue(engine, 3)
    claimed = utcnow() - timedelta(minutes=30)
    with session_scope(engine) as session:
        for n, started in ((1, None), (2, claimed)):
            stuck = session.get(OutboxMessage, n)
            stuck.status, stuck.claimed_at, stuck.claimed_by, stuck.data_started_at = "sending", claimed, "dead", started
        fresh = session.get(OutboxMessage, 3)
        fresh.status, fresh.claimed_at, fresh.claimed_by = "sending", utcnow(), "alive"
    report = recover_stale(engine)
    assert (report.requeued, report.uncertain) == (1, 1)
    assert statuses(engine) == {1: "queued", 2: "uncertain", 3: "sending"}


def test_an_admin_may_resend_uncertain_or_failed_mail(engine, smtp_server):
    port, handler = smtp_server(Handler(rcpt_replies=["550 5.7.1 blocked"]))
    (message,) = queue(engine)
    send_due(engine, config=plain(port), sender=SENDER)
    assert row(engine, message.id).status == "failed"

    again = resend(engine, message_id_or_row_id=message.message_id)
    assert again.status == "queued" and again.attempts == 0 and "requeued by an admin" in again.last_error
    assert send_due(engine, config=plain(port), sender=SENDER).sent == 1
    assert handler.ids() == [message.message_id]  # the same Message-ID: a second copy shows as one

    with pytest.raises(HeadstartError, match="only failed or uncertain"):
        resend(engine, message_id_or_row_id=message.id)
    with pytest.raises(NotFound):
        resend(engine, message_id_or_row_id=999)


# ---------------------------------------------------------------------------- rendering, no SMTP


def test_without_smtp_mail_is_rendered_and_stays_queued(engine, smtp_server):
    with session_scope(engine) as session:
        for n in (1, 2, 3):
            enqueue(session, to_address=f"p{n}@example.net", language="fr", source=f"notification:{n}")

    def render(message: OutboxMessage) -> tuple[str, str, str | None]:
        if message.source == "notification:2":
            raise LookupError("notification 2 was deleted")
        return f"Avis {message.source}", f"Texte {message.language}", None

    report = send_due(engine, config=None, sender=SENDER, render=render)

    assert (report.rendered, report.retry, report.sent) == (2, 1, 0)
    assert set(statuses(engine).values()) == {"queued"}
    assert (row(engine, 1).subject, row(engine, 1).text_body) == ("Avis notification:1", "Texte fr")
    broken = row(engine, 2)
    assert broken.subject is None and broken.attempts == 1 and "notification 2 was deleted" in broken.last_error
    assert broken.next_attempt_at > utcnow()

    port, handler = smtp_server()
    assert send_due(engine, config=plain(port), sender=SENDER, render=render).sent == 2
    assert sorted(item.message["Subject"] for item in handler.received) == ["Avis notification:1", "Avis notification:3"]


def test_the_outbox_page_lists_newest_first_with_counts(engine, smtp_server):
    port, _handler = smtp_server(Handler(rcpt_replies=["550 no"]))
    queue(engine, 3)
    send_due(engine, config=plain(port), sender=SENDER, limit=2)
    with Session(engine) as session:
        page = outbox_page(session)
        assert [r.id for r in page.rows] == [3, 2, 1]
        assert page.counts == {"queued": 1, "sending": 0, "sent": 1, "failed": 1, "uncertain": 0}
        failed = outbox_page(session, status="failed")
        assert [r.id for r in failed.rows] == [1] and failed.total == 1 and not failed.has_more
        assert outbox_page(session, limit=1).has_more
        with pytest.raises(HeadstartError):
            outbox_page(session, status="lost")


# ---------------------------------------------------------------------------- the worker loop


class Signal(logging.Handler):
    """Sets an event when a record with `words` is logged: synchronisation, not sleeping."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words, self.seen = words, threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.words in record.getMessage():
            self.seen.set()


@pytest.fixture
def mail_log() -> Iterator:
    logger = logging.getLogger("headstart.mail")
    handlers: list[Signal] = []

    def watch(words: str) -> Signal:
        handlers.append(Signal(words))
        logger.addHandler(handlers[-1])
        return handlers[-1]

    yield watch
    for handler in handlers:
        logger.removeHandler(handler)


def test_the_worker_sends_and_stops(engine, smtp_server):
    port, handler = smtp_server()
    queue(engine)
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(engine,),
                              kwargs={"config": plain(port), "sender": SENDER, "poll_seconds": 0.01, "stop": stop})  # fmt: skip
    thread.start()
    assert handler.arrived.wait(30)
    stop.set()  # seen between batches only: the batch that sent the message has finished when join returns
    thread.join()
    assert row(engine, 1).status == "sent" and len(handler.received) == 1


def test_a_server_that_is_down_only_makes_the_worker_log_retries(engine, mail_log):
    retried = mail_log("not sent")
    stop = threading.Event()
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        queue(engine)
        thread = threading.Thread(target=run_worker, args=(engine,), kwargs={
            "config": plain(bound.getsockname()[1]), "sender": SENDER, "poll_seconds": 0.01, "stop": stop})  # fmt: skip
        thread.start()
        assert retried.seen.wait(30)
        stop.set()
        thread.join()
    assert row(engine, 1).status == "queued"


# ---------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, "plain", None, None)),
        ("smtp://localhost", ("localhost", 25, "plain", None, None)),
        ("smtp+starttls://mailer:p%40ss%3Aw%2Frd@mail.example.org", ("mail.example.org", 587, "starttls", "mailer", "p@ss:w/rd")),
        ("smtps://me%40example.org:pw@mail.example.org:4650", ("mail.example.org", 4650, "tls", "me@example.org", "pw")),
        ("SMTPS://[::1]", ("::1", 465, "tls", None, None)),
    ],
)
def test_smtp_urls(url, expected):
    config = SmtpConfig.from_url(url, timeout=5)
    assert (config.host, config.port, config.security, config.username, config.password) == expected
    assert config.timeout == 5


def test_the_password_never_shows():
    config = SmtpConfig.from_url("smtp+starttls://mailer:hunter2secret@mail.example.org:587")
    assert "hunter2secret" not in repr(config) and "hunter2secret" not in str(config)
    assert str(config) == "smtp+starttls://mailer@mail.example.org:587"


@pytest.mark.parametrize(
    "url",
    ["http://mail.example.org", "smtp://", "smtp://mail.example.org:port", "smtp://mail.example.org:99999",
     "smtp://user:hunter2secret@mail.example.org", "smtps://mail.example.org/path", "mail.example.org:25",
     "smtps://:hunter2secret@mail.example.org"],
)  # fmt: skip
def test_malformed_smtp_urls_are_refused_clearly(url):
    with pytest.raises(HeadstartError) as refused:
        SmtpConfig.from_url(url)
    assert "SMTP" in str(refused.value) and "hunter2secret" not in str(refused.value)


def test_settings_build_the_smtp_config(tmp_path, ca_file):
    env = {"HEADSTART_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(env).smtp_config() is None
    assert Settings.from_env(env).mail_from == "Headstart <headstart@localhost>"
    settings = Settings.from_env({**env, "HEADSTART_SMTP_URL": "smtps://u:p@mail.example.org",
                                  "HEADSTART_SMTP_TIMEOUT": "7.5", "HEADSTART_SMTP_CA_FILE": str(ca_file),
                                  "HEADSTART_MAIL_FROM": "MRC Manila <mrc@example.org>"})  # fmt: skip
    config = settings.smtp_config()
    assert config is not None and (config.host, config.port, config.timeout, config.ca_file) == (
        "mail.example.org", 465, 7.5, ca_file)  # fmt: skip
    assert settings.mail_from == "MRC Manila <mrc@example.org>"
    with pytest.raises(HeadstartError, match="HEADSTART_SMTP_URL"):
        Settings.from_env({**env, "HEADSTART_SMTP_URL": "smtp//nothing"})
    with pytest.raises(HeadstartError, match="HEADSTART_SMTP_TIMEOUT"):
        Settings.from_env({**env, "HEADSTART_SMTP_TIMEOUT": "soon"})
