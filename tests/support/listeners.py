"""Real listeners on free loopback ports, run in a background event loop."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import ssl
import threading
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(listener) -> Iterator[None]:
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(listener.start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield
    finally:
        asyncio.run_coroutine_threadsafe(listener.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def loopback_config(tmp_path, hostname: str, **overrides):
    """The server's MailConfig with the given ports and options, and a TLS context with a
    certificate made for `hostname` in tmp_path."""
    from django.conf import settings

    from mailcore.tls import ensure_certificate, server_context

    cert, key = ensure_certificate(tmp_path, hostname)
    config = dataclasses.replace(settings.MAIL, hostname=hostname, **overrides)
    return config, server_context(cert, key)


def client_tls() -> ssl.SSLContext:
    """A client context that accepts the test server's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def read_until(sock, marker: bytes, timeout: float = 10.0) -> bytes:
    """Bytes from a socket up to and including the line that contains `marker`."""
    sock.settimeout(timeout)
    data = b""
    while True:
        index = data.find(marker)
        if index >= 0 and data.find(b"\r\n", index) >= 0:
            return data[: data.find(b"\r\n", index) + 2]
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
