"""Configuration read from the environment.

The variable names are an interface: operators, deploy files and scripts rely on them.
Everything has a default that works on one laptop with no other service running.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from exc


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class MailConfig:
    data_dir: Path
    database_url: str
    redis_url: str | None
    hostname: str
    bind: str
    http_port: int
    smtp_port: int
    submission_port: int
    smtps_port: int
    imap_port: int
    imaps_port: int
    pop3_port: int
    pop3s_port: int
    tls_cert: Path | None
    tls_key: Path | None
    allow_plaintext_auth: bool

    @classmethod
    def from_environ(cls) -> MailConfig:
        data_dir = Path(os.environ.get("MAIL_DATA_DIR") or "./data").resolve()
        database_url = os.environ.get("DATABASE_URL", "").strip() or (
            f"sqlite:///{data_dir / 'mail.sqlite3'}"
        )
        cert = os.environ.get("MAIL_TLS_CERT", "").strip()
        key = os.environ.get("MAIL_TLS_KEY", "").strip()
        if bool(cert) != bool(key):
            raise SystemExit("MAIL_TLS_CERT and MAIL_TLS_KEY must be set together")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=os.environ.get("REDIS_URL", "").strip() or None,
            hostname=os.environ.get("MAIL_HOSTNAME", "").strip() or "localhost",
            bind=os.environ.get("MAIL_BIND", "").strip() or "127.0.0.1",
            http_port=_int("MAIL_HTTP_PORT", 8000),
            smtp_port=_int("MAIL_SMTP_PORT", 2525),
            submission_port=_int("MAIL_SUBMISSION_PORT", 2587),
            smtps_port=_int("MAIL_SMTPS_PORT", 2465),
            imap_port=_int("MAIL_IMAP_PORT", 2143),
            imaps_port=_int("MAIL_IMAPS_PORT", 2993),
            pop3_port=_int("MAIL_POP3_PORT", 2110),
            pop3s_port=_int("MAIL_POP3S_PORT", 2995),
            tls_cert=Path(cert) if cert else None,
            tls_key=Path(key) if key else None,
            allow_plaintext_auth=_flag("MAIL_ALLOW_PLAINTEXT_AUTH"),
        )
