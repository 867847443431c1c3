"""The outbox: mail enqueued in the caller's transaction, sent later by a worker.

`enqueue` only writes a row, in the request's own transaction: the mail exists if and
only if the request's writes commit, and no request waits for a mail server. A worker
(`run_worker`, or `send_due` from a CLI or a timer) sends what is due.

Never sent twice: a row is claimed by an atomic compare-and-set UPDATE committed before
any network I/O, so two workers cannot both hold it; `data_started_at` is committed just
before the DATA command, so a worker that dies or loses its connection after that point
leaves a row that says "the server may have it" ("uncertain"), which no worker retries;
only an admin's `resend` does. Everything before DATA is safe to retry, with back-off.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.errors import HeadstartError, NotFound
from core.mail.models import (
    MAX_ADDRESS,
    MAX_SOURCE,
    MAX_WORKER_ID,
    RESENDABLE,
    STATUSES,
    OutboxMessage,
    utcnow,
)
from core.mail.smtp import (
    NotSent,
    Refused,
    SmtpConfig,
    SmtpConnection,
    Uncertain,
    build_message,
    envelope_address,
)

LOG = logging.getLogger("headstart.mail")

MAX_ATTEMPTS = 8  # 1 + 2 + 4 ... + 64 minutes: a server down for two hours loses no mail
FIRST_RETRY = timedelta(seconds=60)
LONGEST_RETRY = timedelta(hours=6)
JITTER = 0.1  # up to 10 % later, so that rows failed together do not retry together
STALE_AFTER = timedelta(minutes=10)  # far above one batch of 50 at the SMTP timeout
MAX_ERROR = 2_000
BATCH = 50  # messages per connection and per claim
FORBIDDEN_IN_ADDRESS = frozenset("\r\n\t ,;<>\"()")

# render(row) -> (subject, text, html or None): the content of a row enqueued without it.
Render = Callable[[OutboxMessage], tuple[str, str, str | None]]


@dataclass
class SendReport:
    """What one send_due did; a rendering failure counts as a retry (or failed)."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    uncertain: int = 0
    rendered: int = 0


@dataclass(frozen=True)
class RecoveryReport:
    requeued: int = 0
    uncertain: int = 0


@dataclass(frozen=True)
class OutboxPage:
    rows: list[OutboxMessage]
    counts: dict[str, int] = field(default_factory=dict)  # every status, the whole outbox
    total: int = 0  # rows matching the filter
    offset: int = 0
    limit: int = 50

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


# ---------------------------------------------------------------------------- enqueue


def validate_address(address: str) -> str:
    """A minimal check: enough to keep header injection and lists of addresses out, not
    a judgement on deliverability (the server says that)."""
    if any(char in address for char in "\r\n"):
        raise HeadstartError("An e-mail address cannot contain a line break", field="to_address")
    address = address.strip()
    if len(address) > MAX_ADDRESS:
        raise HeadstartError(f"An e-mail address has at most {MAX_ADDRESS} characters", field="to_address")
    local, at, domain = address.partition("@")
    if not at or not local or not domain or "@" in domain or FORBIDDEN_IN_ADDRESS & set(address):
        raise HeadstartError(f"{address!r} is not an e-mail address (name@example.org)", field="to_address")
    return address


def _one_line(subject: str) -> str:
    """Subjects are one line: a line break would end the header (and start another)."""
    return " ".join(subject.split())


def enqueue(
    session: Session,
    *,
    to_address: str,
    language: str = "en",
    subject: str | None = None,
    text: str | None = None,
    html: str | None = None,
    source: str = "",
    message_id_domain: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (no network I/O).

    Either subject and text (and perhaps html) now, or none of them: the worker's render
    callback writes them before sending. `message_id_domain` is the right-hand side of
    the Message-ID (default: this host's name, without a DNS lookup).
    """
    address = validate_address(to_address)
    if (subject is None) != (text is None) or (subject is None and html is not None):
        raise HeadstartError("A message is enqueued with its subject and text, or with no content to render later")
    if not 1 <= len(language) <= 5:
        raise HeadstartError(f"{language!r} is not a language code", field="language")
    if len(source) > MAX_SOURCE:
        raise HeadstartError(f"A mail's source has at most {MAX_SOURCE} characters", field="source")
    row = OutboxMessage(
        to_address=address,
        language=language,
        subject=_one_line(subject) if subject is not None else None,
        text_body=text,
        html_body=html,
        source=source,
        message_id=make_msgid(domain=message_id_domain or socket.gethostname()),
    )
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------------------- back-off


def retry_delay(attempts: int) -> timedelta:
    """60 s after the first attempt, doubling, at most 6 hours; plus a little jitter."""
    delay = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)
    return delay * (1 + random.uniform(0, JITTER))


def _clock(now: datetime | None) -> Callable[[], datetime]:
    """Tests move time by passing `now`; every stamp of that call then uses it."""
    return (lambda: now) if now is not None else utcnow


def _error_text(error: BaseException | str) -> str:
    return str(error)[:MAX_ERROR]


def _set(engine: Engine, row_id: int, *conditions, **values) -> bool:
    """One compare-and-set UPDATE of one row, committed; True if the row matched."""
    with engine.begin() as connection:
        result = connection.execute(
            update(OutboxMessage).where(col(OutboxMessage.id) == row_id, *conditions).values(**values)
        )
    return result.rowcount == 1


# ---------------------------------------------------------------------------- sending


def new_worker_id() -> str:
    """Host, process and a random part: unique per worker, and says where it ran."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:MAX_WORKER_ID]


def send_due(
    engine: Engine,
    *,
    config: SmtpConfig | None,
    sender: str,
    render: Render | None = None,
    now: datetime | None = None,
    limit: int = BATCH,
    worker_id: str | None = None,
) -> SendReport:
    """Render what lacks content, then (with a config) send up to `limit` due messages
    over one connection. Without a config the mail stays queued, readable by admins."""
    clock = _clock(now)
    from_address = envelope_address(sender)
    worker = (worker_id or new_worker_id())[:MAX_WORKER_ID]
    report = SendReport()
    recover_stale(engine, now=clock())
    if render is not None:
        _render_due(engine, render=render, clock=clock, limit=limit, report=report)
    if config is None:
        return report
    claimed = _claim_due(engine, worker=worker, moment=clock(), limit=limit)
    if claimed:
        _deliver(engine, claimed, config=config, sender=sender, from_address=from_address, worker=worker,
                 clock=clock, report=report)  # fmt: skip
    return report


def _due(moment: datetime, *, limit: int, rendered: bool):
    content = col(OutboxMessage.subject).is_not(None) if rendered else col(OutboxMessage.subject).is_(None)
    return (
        select(OutboxMessage)
        .where(OutboxMessage.status == "queued", col(OutboxMessage.next_attempt_at) <= moment, content)
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
    )


def _render_due(engine: Engine, *, render: Render, clock: Callable[[], datetime], limit: int, report: SendReport) -> None:
    """Outside any transaction: render may be slow, and may open sessions of its own."""
    with Session(engine, expire_on_commit=False) as session:
        rows = list(session.exec(_due(clock(), limit=limit, rendered=False)))
    unrendered = (OutboxMessage.status == "queued", col(OutboxMessage.subject).is_(None))
    for row in rows:
        try:
            subject, text, html = render(row)
            if not isinstance(subject, str) or not isinstance(text, str) or not (html is None or isinstance(html, str)):
                raise TypeError(f"render returned {type(subject).__name__}, {type(text).__name__}, {type(html).__name__}")
        except Exception as error:  # noqa: BLE001 - any failure of the caller's callback is this row's, not the batch's
            LOG.warning("mail %s to %s: rendering failed: %r", row.id, row.to_address, error)
            attempts = row.attempts + 1
            failed = attempts >= MAX_ATTEMPTS
            if _set(engine, row.id, *unrendered, attempts=attempts, last_error=_error_text(f"render failed: {error!r}"),
                    status="failed" if failed else "queued", next_attempt_at=clock() + retry_delay(attempts)):  # fmt: skip
                report.failed += failed
                report.retry += not failed
            continue
        if _set(engine, row.id, *unrendered, subject=_one_line(subject), text_body=text, html_body=html):
            report.rendered += 1


def _claim_due(engine: Engine, *, worker: str, moment: datetime, limit: int) -> list[OutboxMessage]:
    """Claim due rows one by one with compare-and-set: a row another worker claimed
    first matches no more (rowcount 0), on SQLite and PostgreSQL alike."""
    with Session(engine) as session:
        ids = [row.id for row in session.exec(_due(moment, limit=limit, rendered=True))]
    claimed = []
    with engine.begin() as connection:
        for row_id in ids:
            result = connection.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row_id, OutboxMessage.status == "queued",
                       col(OutboxMessage.next_attempt_at) <= moment)  # fmt: skip
                .values(status="sending", claimed_at=moment, claimed_by=worker, data_started_at=None,
                        attempts=OutboxMessage.attempts + 1)  # fmt: skip
            )
            if result.rowcount == 1:
                claimed.append(row_id)
    if not claimed:
        return []
    with Session(engine, expire_on_commit=False) as session:
        return list(session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(claimed)).order_by(col(OutboxMessage.id))))


def _deliver(
    engine: Engine, rows: list[OutboxMessage], *, config: SmtpConfig, sender: str, from_address: str, worker: str,
    clock: Callable[[], datetime], report: SendReport,
) -> None:  # fmt: skip
    pending = list(rows)
    try:
        with SmtpConnection(config) as connection:
            while pending and not connection.broken:
                _deliver_one(engine, connection, pending.pop(0), sender=sender, from_address=from_address,
                             worker=worker, clock=clock, report=report)  # fmt: skip
        reason: BaseException | str = "the connection to the SMTP server was lost before this message"
    except NotSent as no_connection:
        reason = no_connection
    for row in pending:
        _not_sent(engine, row, worker=worker, error=reason, clock=clock, report=report)


def _deliver_one(
    engine: Engine, connection: SmtpConnection, row: OutboxMessage, *, sender: str, from_address: str, worker: str,
    clock: Callable[[], datetime], report: SendReport,
) -> None:  # fmt: skip
    mine = (OutboxMessage.status == "sending", OutboxMessage.claimed_by == worker)
    try:
        message = build_message(sender=sender, to_address=row.to_address, subject=row.subject or "", text=row.text_body or "",
                                html=row.html_body, language=row.language, message_id=row.message_id, date=clock())  # fmt: skip
    except ValueError as error:  # content the e-mail format cannot carry: it never will
        _finish(engine, row, mine, status="failed", error=f"cannot build the message: {error}", report=report)
        return
    try:
        connection.send(message, sender=from_address, recipient=row.to_address,
                        before_data=lambda: _set(engine, row.id, *mine, data_started_at=clock()))  # fmt: skip
    except NotSent as error:
        _not_sent(engine, row, worker=worker, error=error, clock=clock, report=report)
    except Refused as error:
        _finish(engine, row, mine, status="failed", error=error, report=report)
    except Uncertain as error:
        _finish(engine, row, mine, status="uncertain", error=error, report=report)
    else:
        # Also over a stale recovery that called it uncertain meanwhile: now we know.
        sent_or_uncertain = (col(OutboxMessage.status).in_(("sending", "uncertain")), OutboxMessage.claimed_by == worker)
        if _set(engine, row.id, *sent_or_uncertain, status="sent", sent_at=clock(), last_error=""):
            report.sent += 1
            LOG.info("mail %s to %s sent (%s)", row.id, row.to_address, row.message_id)


def _finish(engine: Engine, row: OutboxMessage, mine: tuple, *, status: str, error: BaseException | str,
            report: SendReport) -> None:  # fmt: skip
    if not _set(engine, row.id, *mine, status=status, last_error=_error_text(error)):
        return  # no longer this worker's (recovered as stale): its new holder reports it
    setattr(report, status, getattr(report, status) + 1)
    LOG.warning("mail %s to %s is %s: %s", row.id, row.to_address, status,
                error if status == "failed" else f"{error}; the server may have it, so it is not retried")  # fmt: skip


def _not_sent(engine: Engine, row: OutboxMessage, *, worker: str, error: BaseException | str,
              clock: Callable[[], datetime], report: SendReport) -> None:  # fmt: skip
    """Back to the queue with back-off, or failed once the attempts are spent."""
    mine = (OutboxMessage.status == "sending", OutboxMessage.claimed_by == worker)
    if row.attempts >= MAX_ATTEMPTS:
        _finish(engine, row, mine, status="failed", error=f"gave up after {row.attempts} attempts: {error}", report=report)
        return
    retry_at = clock() + retry_delay(row.attempts)
    if _set(engine, row.id, *mine, status="queued", next_attempt_at=retry_at, claimed_at=None, claimed_by="",
            last_error=_error_text(error)):  # fmt: skip
        report.retry += 1
        LOG.warning("mail %s to %s not sent (attempt %s), retrying at %s: %s", row.id, row.to_address, row.attempts,
                    retry_at.isoformat(timespec="seconds"), error)  # fmt: skip


# ---------------------------------------------------------------------------- recovery, admin


def recover_stale(engine: Engine, *, older_than: timedelta = STALE_AFTER, now: datetime | None = None) -> RecoveryReport:
    """Rows a dead worker left "sending": back to the queue if DATA never started
    (nothing was sent), "uncertain" if it had (the server may have the message)."""
    cutoff = (now or utcnow()) - older_than
    stale = (OutboxMessage.status == "sending", col(OutboxMessage.claimed_at) < cutoff)
    with engine.begin() as connection:
        requeued = connection.execute(
            update(OutboxMessage).where(*stale, col(OutboxMessage.data_started_at).is_(None))
            .values(status="queued", claimed_at=None, claimed_by="",
                    last_error="the worker stopped before sending it; queued again")  # fmt: skip
        ).rowcount
        uncertain = connection.execute(
            update(OutboxMessage).where(*stale, col(OutboxMessage.data_started_at).is_not(None))
            .values(status="uncertain",
                    last_error="the worker stopped while sending it: the server may have it, so it is not retried")  # fmt: skip
        ).rowcount
    if requeued or uncertain:
        LOG.warning("recovered mail from stopped workers: %s queued again, %s uncertain (not resent)", requeued, uncertain)
    return RecoveryReport(requeued=requeued, uncertain=uncertain)


def resend(engine: Engine, *, message_id_or_row_id: int | str, now: datetime | None = None) -> OutboxMessage:
    """An admin's decision to requeue a failed or uncertain message (for an uncertain
    one, at the risk of a second copy; it keeps its Message-ID, which lets the receiving
    side recognise one)."""
    key = message_id_or_row_id
    with Session(engine, expire_on_commit=False) as session:
        by_id = isinstance(key, int) or str(key).isdigit()
        row = session.get(OutboxMessage, int(key)) if by_id else session.exec(
            select(OutboxMessage).where(OutboxMessage.message_id == str(key))
        ).first()  # fmt: skip
    if row is None:
        raise NotFound(f"There is no mail {key} in the outbox")
    requeued = _set(engine, row.id, col(OutboxMessage.status).in_(RESENDABLE), status="queued", attempts=0,
                    next_attempt_at=now or utcnow(), claimed_at=None, claimed_by="", data_started_at=None, sent_at=None,
                    last_error=f"requeued by an admin (was {row.status}: {row.last_error})"[:MAX_ERROR])  # fmt: skip
    if not requeued:
        raise HeadstartError(f"Mail {row.id} is {row.status}: only failed or uncertain mail can be sent again")
    with Session(engine, expire_on_commit=False) as session:
        fresh = session.get(OutboxMessage, row.id)
    assert fresh is not None
    return fresh


def outbox_page(session: Session, *, status: str | None = None, offset: int = 0, limit: int = 50) -> OutboxPage:
    """Newest first, with the counts per status, for the admins' outbox page."""
    if status is not None and status not in STATUSES:
        raise HeadstartError(f"{status!r} is not a mail status ({', '.join(STATUSES)})", field="status")
    counts = dict.fromkeys(STATUSES, 0)
    for name, count in session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)):
        counts[name] = count
    query = select(OutboxMessage)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    offset, limit = max(offset, 0), max(min(limit, 500), 1)
    newest_first = (col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
    rows = list(session.exec(query.order_by(*newest_first).offset(offset).limit(limit)))
    total = counts[status] if status is not None else sum(counts.values())
    return OutboxPage(rows=rows, counts=counts, total=total, offset=offset, limit=limit)


# ---------------------------------------------------------------------------- worker


def run_worker(
    engine: Engine,
    *,
    config: SmtpConfig | None,
    sender: str,
    render: Render | None = None,
    poll_seconds: float = 10.0,
    stop: threading.Event | None = None,
    log: logging.Logger = LOG,
) -> None:
    """send_due until `stop` is set. A full batch goes on at once; a failure of any kind
    (server down, database busy) is logged and waits for the next poll, never raised."""
    stop = stop if stop is not None else threading.Event()
    worker_id = new_worker_id()
    log.info("mail worker %s started (%s)", worker_id, config or "no SMTP server: mail stays in the outbox")
    while not stop.is_set():
        try:
            report = send_due(engine, config=config, sender=sender, render=render, worker_id=worker_id)
        except Exception:  # noqa: BLE001 - the loop outlives any one batch
            log.exception("mail worker %s: a batch failed; trying again in %s s", worker_id, poll_seconds)
            report = SendReport()
        busy = config is not None and report.sent + report.retry + report.failed + report.uncertain >= BATCH
        if not busy:
            stop.wait(poll_seconds)
    log.info("mail worker %s stopped", worker_id)
