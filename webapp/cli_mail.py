"""`headstart mail send|worker` and `headstart jobs run` (the work is in webapp/worker.py).

webapp/cli.py adds the groups to its own.
"""

from __future__ import annotations

import logging

import click

from core.config import Settings
from core.mail.outbox import recover_stale
from webapp import worker
from webapp.app import create_app


def _app():
    return create_app(Settings.from_env())


@click.group("mail")
def mail_group() -> None:
    """E-mail: the outbox that notifications queue mail in (HEADSTART_SMTP_URL sends it)."""


@mail_group.command("send")
def mail_send() -> None:
    """Send the mail that is due, once (without HEADSTART_SMTP_URL: word it, send nothing)."""
    app = _app()
    recovered = recover_stale(app.extensions["headstart"].engine)
    report = worker.send_mail(app)
    smtp = app.extensions["headstart"].settings.smtp_config()
    click.echo(f"sent {report.sent}, to retry {report.retry}, failed {report.failed}, uncertain {report.uncertain}"
               f" (worded {report.rendered}; {recovered.requeued} stale claims requeued, {recovered.uncertain} marked uncertain)")  # fmt: skip
    if smtp is None:
        click.echo("HEADSTART_SMTP_URL is not set: mail stays in the outbox (admins read it at /admin/outbox).", err=True)


@mail_group.command("worker")
@click.option("--poll", "poll_seconds", default=10.0, show_default=True, type=float, help="Seconds between rounds when idle.")
def mail_worker(poll_seconds: float) -> None:
    """Run the worker until stopped: job alerts, digests, expiries, reminders, and the mail."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    click.echo("Headstart worker running (Ctrl+C to stop)", err=True)
    try:
        worker.run(_app(), poll_seconds=poll_seconds)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@click.group("jobs")
def jobs_group() -> None:
    """The periodic jobs (the worker runs them on every round)."""


@jobs_group.command("run")
def jobs_run() -> None:
    """Run the jobs once: expire contact requests, remind of ending consents, scan new vacancies for alerts, send digests."""
    click.echo(worker.run_jobs(_app()).summary())
