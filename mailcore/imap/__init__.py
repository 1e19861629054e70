"""The IMAP4rev1 server: parser, session, server (the IMAP issue)."""
