"""The POP3 server (RFC 1939, RFC 2449 CAPA, RFC 5034 AUTH PLAIN, RFC 2595 STLS).

parser (bytes -> command, pure) -> session (state machine, no sockets) -> server (asyncio
listeners `pop3` with STLS and `pop3s` with implicit TLS); maildrop is the session's way
into the store; wire turns stored bytes into what RETR sends.
"""
