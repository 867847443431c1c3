"""The background worker: the periodic jobs of matching (alerts, digests, expiries,
reminders: matching/jobs.py) and the mail outbox (core/mail), round after round.

Run by `headstart mail worker`, or in a thread of `headstart serve --worker` (the demo):
a request never waits for it, and nothing it meets (an SMTP server down or hanging, a
busy database) stops it: each failure is logged and the next round tries again.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from core.mail.outbox import BATCH, SendReport, new_worker_id, send_due
from matching.jobs import JobsReport, run_due
from webapp.mail_render import renderer

LOG = logging.getLogger("headstart.worker")


def send_mail(app: Flask, *, worker_id: str | None = None) -> SendReport:
    runtime = app.extensions["headstart"]
    settings = runtime.settings
    return send_due(runtime.engine, config=settings.smtp_config(), sender=settings.mail_from, render=renderer(app),
                    worker_id=worker_id)  # fmt: skip


def run_jobs(app: Flask) -> JobsReport:
    return run_due(app.extensions["headstart"])


def run(app: Flask, *, poll_seconds: float = 10.0, stop: threading.Event | None = None) -> None:
    """Rounds until `stop` is set: the jobs, then the mail due (a full batch goes on at once)."""
    stop = stop if stop is not None else threading.Event()
    worker_id = new_worker_id()
    LOG.info("worker %s started", worker_id)
    while not stop.is_set():
        busy = False
        try:
            run_jobs(app)
        except Exception:  # noqa: BLE001 - the loop outlives any one round
            LOG.exception("worker %s: the jobs failed; trying again in %s s", worker_id, poll_seconds)
        try:
            report = send_mail(app, worker_id=worker_id)
            busy = report.sent + report.retry + report.failed + report.uncertain >= BATCH
        except Exception:  # noqa: BLE001
            LOG.exception("worker %s: sending failed; trying again in %s s", worker_id, poll_seconds)
        if not busy:
            stop.wait(poll_seconds)
    LOG.info("worker %s stopped", worker_id)


def start_in_thread(app: Flask, *, poll_seconds: float = 10.0) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(app,), kwargs={"poll_seconds": poll_seconds, "stop": stop},
                              name="headstart-worker", daemon=True)  # fmt: skip
    thread.start()
    return thread, stop
