"""The HTTP protocol's bounds that need a limit shorter than any setting allows, on a
real uvicorn server in a thread (service/server.py): a client that stops reading an
answer is disconnected."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest
import uvicorn

from clusterkg.service.server import HttpLimits, LimitedHttpProtocol
from processes import free_port

GONE: list[float] = []  # when the app learnt that its client was gone


async def endless(scope, receive, send):
    """Streams 64 KiB chunks until it hears that the client is gone."""
    assert scope["type"] == "http"
    await receive()  # the request (no body)
    gone = asyncio.ensure_future(receive())  # the next message is http.disconnect
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    while not gone.done():
        await send({"type": "http.response.body", "body": b"x" * 65536, "more_body": True})
    GONE.append(time.monotonic())


@pytest.fixture
def stalling_server():
    port = free_port()
    limits = HttpLimits(header_timeout=5.0, send_stall=1.0)
    config = uvicorn.Config(endless, host="127.0.0.1", port=port, http=LimitedHttpProtocol.with_limits(limits),
                            ws="none", lifespan="off", log_level="warning", loop="uvloop",
                            timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def test_a_client_that_stops_reading_is_disconnected(stalling_server):
    with socket.create_connection(("127.0.0.1", stalling_server)) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        start = time.monotonic()
        while not GONE and time.monotonic() < start + 15:  # read nothing: the buffers fill, then stall
            time.sleep(0.1)
        assert GONE, "the answer went on for 15 s with nobody reading it"
        assert 0.9 <= GONE[0] - start < 5, f"disconnected after {GONE[0] - start:.1f} s"
        s.settimeout(5)
        try:  # what the buffers held, then the end
            while s.recv(1 << 20):
                pass
        except ConnectionResetError:
            pass
