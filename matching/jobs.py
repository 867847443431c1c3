"""The periodic work of matching, run by the worker (`headstart mail worker`) on every
round and by `headstart jobs run` once: each part is idempotent and cheap when idle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.runtime import Runtime
from matching.alerts import ScanReport, scan, send_digests
from matching.consent_reminders import remind_expiring
from matching.contact_requests import expire_due
from matching.models import utcnow


@dataclass(frozen=True)
class JobsReport:
    expired_requests: int
    consent_reminders: int
    alerts: ScanReport
    digests: int

    def summary(self) -> str:
        return (f"{self.expired_requests} contact requests expired, {self.consent_reminders} consent reminders, "
                f"{self.alerts.vacancies} vacancies scanned for alerts ({self.alerts.hits} new hits, "
                f"{self.alerts.told} told now), {self.digests} digests")  # fmt: skip


def run_due(runtime: Runtime, *, now: datetime | None = None) -> JobsReport:
    now = now or utcnow()
    expired = expire_due(runtime.engine, now=now)
    reminders = remind_expiring(runtime.engine, now=now)
    alerts = scan(runtime, now=now)
    digests = send_digests(runtime.engine, now=now)
    return JobsReport(expired, reminders, alerts, digests)
