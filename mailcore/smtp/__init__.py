"""SMTP listeners: MTA, submission, implicit-TLS submission (the SMTP issue)."""
