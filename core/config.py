"""Settings, read from environment variables in one place.

Every setting has a safe default so `headstart serve` works on a fresh machine with no
configuration: SQLite and the embedded search engine under a local data directory.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from core.errors import HeadstartError
from core.mail.smtp import DEFAULT_TIMEOUT as DEFAULT_SMTP_TIMEOUT
from core.mail.smtp import SmtpConfig

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
DEFAULT_MULTILINGUAL_MODEL = "use-multilingual-v3"
SEARCH_BACKENDS = ("embedded", "elasticsearch")
DEFAULT_MAIL_FROM = "Headstart <headstart@localhost>"


def _default_esco_dir() -> Path | None:
    """The development copy of ESCO beside the checkout, when it is there."""
    candidate = Path(__file__).resolve().parent.parent.parent / "shared" / "esco"
    return candidate if candidate.is_dir() else None


def _optional_model(value: str) -> str | None:
    value = value.strip()
    return None if value.lower() in ("", "none", "off") else value


def _seconds(value: str | None, default: float, name: str) -> float:
    if value is None or not value.strip():
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise HeadstartError(f"{name} must be a number of seconds, not {value!r}") from None
    if not seconds > 0:
        raise HeadstartError(f"{name} must be a positive number of seconds, not {value!r}")
    return seconds


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    search_backend: str = "embedded"
    elasticsearch_url: str | None = None
    # Prefix of this installation's Elasticsearch index names (several installations or
    # test runs can share one cluster).
    elasticsearch_prefix: str = "headstart-"
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    # Second model for queries not in English ("" or "none" turns it off).
    multilingual_model: str | None = DEFAULT_MULTILINGUAL_MODEL
    esco_dir: Path | None = None
    secret_key: str | None = None
    # Bearer token for the personal-data API from other machines (profiles, candidates,
    # writes). Without it those endpoints answer loopback clients only, until accounts
    # and roles arrive with the web app.
    api_token: str | None = None
    # Session cookies only over HTTPS. Browsers treat http://127.0.0.1 and localhost as
    # secure, so the demo works; turn off only for a plain-HTTP test behind a proxy.
    secure_cookies: bool = True
    # Outgoing mail (core/mail): without an SMTP URL, mail stays in the outbox, where
    # admins read it. smtp://host:25 (loopback only), smtp+starttls://user:password@host:587
    # or smtps://user:password@host:465; a CA file for a server with a private CA.
    smtp_url: str | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    smtp_timeout: float = DEFAULT_SMTP_TIMEOUT
    smtp_ca_file: Path | None = None
    # The address people reach the app at: links in e-mails start with it.
    base_url: str = "http://127.0.0.1:5000"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        data_dir = Path(env.get("HEADSTART_DATA_DIR", "headstart-data")).expanduser().resolve()
        database_url = env.get("HEADSTART_DATABASE_URL") or f"sqlite:///{data_dir / 'headstart.db'}"
        backend = env.get("HEADSTART_SEARCH", "embedded").strip().lower()
        if backend not in SEARCH_BACKENDS:
            raise HeadstartError(
                f"HEADSTART_SEARCH must be one of {', '.join(SEARCH_BACKENDS)}, not {backend!r}"
            )
        es_url = env.get("ELASTICSEARCH_URL") or None
        if backend == "elasticsearch" and not es_url:
            raise HeadstartError("HEADSTART_SEARCH=elasticsearch needs ELASTICSEARCH_URL")
        esco = env.get("HEADSTART_ESCO_DIR")
        esco_dir = Path(esco).expanduser().resolve() if esco else _default_esco_dir()
        ca_file = env.get("HEADSTART_SMTP_CA_FILE")
        settings = cls(
            data_dir=data_dir,
            database_url=database_url,
            search_backend=backend,
            elasticsearch_url=es_url,
            elasticsearch_prefix=env.get("HEADSTART_ES_PREFIX") or "headstart-",
            embedding_model=env.get("HEADSTART_EMBEDDING_MODEL") or DEFAULT_EMBEDDING_MODEL,
            multilingual_model=_optional_model(env.get("HEADSTART_MULTILINGUAL_MODEL", DEFAULT_MULTILINGUAL_MODEL)),
            esco_dir=esco_dir,
            secret_key=env.get("HEADSTART_SECRET_KEY") or None,
            api_token=env.get("HEADSTART_API_TOKEN") or None,
            secure_cookies=env.get("HEADSTART_SECURE_COOKIES", "1").strip().lower() not in ("0", "false", "no", "off"),
            smtp_url=env.get("HEADSTART_SMTP_URL") or None,
            mail_from=env.get("HEADSTART_MAIL_FROM") or DEFAULT_MAIL_FROM,
            smtp_timeout=_seconds(env.get("HEADSTART_SMTP_TIMEOUT"), DEFAULT_SMTP_TIMEOUT, "HEADSTART_SMTP_TIMEOUT"),
            smtp_ca_file=Path(ca_file).expanduser().resolve() if ca_file else None,
            base_url=(env.get("HEADSTART_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        )
        settings.smtp_config()  # a malformed SMTP URL stops the start, not the first mail
        return settings

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def smtp_config(self) -> SmtpConfig | None:
        """The SMTP server to send through; None when mail is to stay in the outbox."""
        if not self.smtp_url:
            return None
        try:
            return SmtpConfig.from_url(self.smtp_url, timeout=self.smtp_timeout, ca_file=self.smtp_ca_file)
        except HeadstartError as error:
            raise HeadstartError(f"HEADSTART_SMTP_URL: {error}") from None

    @property
    def search_dir(self) -> Path:
        return self.data_dir / "search"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def load_or_create_secret_key(self) -> str:
        """A random key generated on first start and kept in the data dir (never in the repo)."""
        if self.secret_key:
            return self.secret_key
        path = self.ensure_data_dir() / "secret_key"
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
        return key
