"""Our SMTP protocol engine: aiosmtpd's, extended where it lacks something."""

from __future__ import annotations

from aiosmtpd.smtp import SMTP


class MailSMTP(SMTP):
    """aiosmtpd's SMTP with the extensions this server owes (see STANDARDS.md)."""
