"""The IMAP4rev1 server: parser (pure) -> session (state machine over the store) -> server
(asyncio streams, TLS, limits)."""
