"""The HTTP layer's bounds (service/server.py), over real sockets against `clusterkg serve`:
the size of a request's head, the deadline for a request, the cap on open connections, and
that none of the stalls they bound slows the server down for others."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import httpx
import pytest

from processes import rss_kib

pytestmark = pytest.mark.e2e

TIMEOUT = 1.5  # CLUSTERKG_HEADER_TIMEOUT of the server below
CAP = 60  # CLUSTERKG_MAX_CONNECTIONS of the server below
HEAD = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.fixture(scope="module")
def bounded(tmp_path_factory, server_factory, server_stopper):
    """A server over a store of its own (the shared built store has another base URI, for
    which serve would rebuild it) with a short request deadline and a small cap."""
    tmp = tmp_path_factory.mktemp("bounded")
    srv = server_factory(tmp / "store", tmp,
                         {"CLUSTERKG_HEADER_TIMEOUT": str(TIMEOUT), "CLUSTERKG_MAX_CONNECTIONS": str(CAP)})
    yield srv
    server_stopper(srv)


def _port(server) -> int:
    return int(server.url.rsplit(":", 1)[1].strip("/"))


def _connect(server, timeout: float = 10.0) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", _port(server)))
    s.settimeout(timeout)
    return s


def _read_to_end(s: socket.socket) -> bytes:
    """What the server sends until it closes (a reset counts as the end)."""
    out = b""
    try:
        while chunk := s.recv(65536):
            out += chunk
    except ConnectionResetError:
        pass
    return out


def _read_response(s: socket.socket) -> bytes:
    """One whole response with a Content-Length (its head, then that many bytes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += s.recv(65536)
    return head + b"\r\n\r\n" + body


def _health_seconds(server) -> float:
    t = time.perf_counter()
    assert httpx.get(server.url + "health", timeout=30).status_code == 200
    return time.perf_counter() - t


def _send_big_head(server, mib: int, answers: list) -> None:
    """Send a head with one header of ``mib`` MiB; record what came back."""
    with _connect(server) as s:
        try:
            s.sendall(HEAD + b"X-Big: ")
            for _ in range(mib * 16):
                s.sendall(b"a" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed after answering: the rest is refused
        answers.append(_read_to_end(s))


def test_a_large_head_gets_431_and_memory_stays_flat(bounded):
    pid = bounded.proc.pid
    _health_seconds(bounded)
    before = rss_kib(pid)
    answers: list[bytes] = []
    _send_big_head(bounded, 1, answers)
    assert answers[0].startswith(b"HTTP/1.1 431 "), answers[0][:80]
    assert b"CLUSTERKG_MAX_HEADER_BYTES" in answers[0] and b"connection: close" in answers[0]
    # the case: four heads of 64 MiB at once; /health stays quick meanwhile
    threads = [threading.Thread(target=_send_big_head, args=(bounded, 64, answers)) for _ in range(4)]
    for t in threads:
        t.start()
    slowest = max(_health_seconds(bounded) for _ in range(5))
    for t in threads:
        t.join()
    grown = (rss_kib(pid) - before) / 1024
    assert grown < 8, f"the web process grew by {grown:.1f} MiB"
    assert slowest < 0.5, f"/health took {slowest:.2f} s"
    # each big head was refused: a 431 read, or the connection reset before it could be read
    assert all(a == b"" or a.startswith(b"HTTP/1.1 431 ") for a in answers[1:])
    assert any(a.startswith(b"HTTP/1.1 431 ") for a in answers[1:]), [a[:40] for a in answers[1:]]


def test_too_many_header_fields_get_431(bounded):
    with _connect(bounded) as s:
        s.sendall(HEAD + b"X-A: b\r\n" * 101 + b"\r\n")
        assert _read_to_end(s).startswith(b"HTTP/1.1 431 ")
    with _connect(bounded) as s:
        s.sendall(HEAD + b"X-A: b\r\n" * 90 + b"Connection: close\r\n\r\n")
        assert _read_to_end(s).startswith(b"HTTP/1.1 200 ")


def test_a_head_just_under_the_limit_is_served(bounded):
    with _connect(bounded) as s:
        s.sendall(HEAD + b"X-Pad: " + b"p" * (64 * 1024 - 200) + b"\r\nConnection: close\r\n\r\n")
        assert _read_to_end(s).startswith(b"HTTP/1.1 200 ")
    # the head near the limit and its body in one packet: the parser gets the head's room
    # first, then the rest
    query = b"ASK { ?s ?p ?o }" + b" " * 2000
    head = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
            b"Connection: close\r\nContent-Length: %d\r\nX-Pad: " % len(query))
    with _connect(bounded) as s:
        s.sendall(head + b"p" * (64 * 1024 - len(head) - 30) + b"\r\n\r\n" + query)
        answer = _read_to_end(s)
    assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b'"boolean":true}')


def test_pipelined_heads_adding_up_past_the_limit_are_served(bounded):
    """The limit is per request: ten 10 kB heads sent at once are ten requests."""
    pipelined = (HEAD + b"X-Pad: " + b"q" * 10_000 + b"\r\n\r\n") * 9 + HEAD + b"Connection: close\r\n\r\n"
    with _connect(bounded) as s:
        s.sendall(pipelined)
        assert _read_to_end(s).count(b"HTTP/1.1 200 ") == 10


def _closed_after(s: socket.socket) -> tuple[float, bytes]:
    t = time.perf_counter()
    answer = _read_to_end(s)
    return time.perf_counter() - t, answer


def test_a_half_sent_request_is_closed_at_the_deadline(bounded):
    with _connect(bounded) as s:
        s.sendall(HEAD)  # the headers never end
        waited, answer = _closed_after(s)
    assert TIMEOUT - 0.3 < waited < TIMEOUT + 1.0, waited
    assert answer.startswith(b"HTTP/1.1 408 ") and b"CLUSTERKG_HEADER_TIMEOUT" in answer
    with _connect(bounded) as s:  # a connection that sends nothing is closed, quietly
        waited, answer = _closed_after(s)
    assert waited < TIMEOUT + 1.0 and answer == b""


def test_dribbling_a_head_does_not_extend_the_deadline(bounded):
    with _connect(bounded) as s:
        t = time.perf_counter()
        try:
            for byte in HEAD + b"X-Slow: " + b"z" * 100:
                s.send(bytes([byte]))
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = _read_to_end(s)
    assert time.perf_counter() - t < TIMEOUT + 2.0  # deadline, then at most the linger
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_body_that_never_comes_is_closed_at_the_deadline(bounded):
    with _connect(bounded) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                  b"Content-Length: 100\r\n\r\nASK")
        waited, answer = _closed_after(s)
    assert waited < TIMEOUT + 1.0 and answer.startswith(b"HTTP/1.1 408 ")
    assert "Traceback" not in bounded.log.read_text()  # the app saw the client leave, quietly


def test_the_deadline_starts_again_after_each_answer(bounded):
    with _connect(bounded) as s:
        for _ in range(3):  # each request well within the deadline, the connection kept
            time.sleep(TIMEOUT * 0.6)
            s.sendall(HEAD + b"\r\n")
            assert _read_response(s).startswith(b"HTTP/1.1 200 ")
        s.sendall(HEAD + b"Connection: close\r\n\r\n")
        assert _read_to_end(s).startswith(b"HTTP/1.1 200 ")


def test_beyond_the_connection_cap_a_clean_503(bounded):
    with contextlib.ExitStack() as held:
        for _ in range(CAP):
            held.enter_context(_connect(bounded)).sendall(HEAD)  # half-sent requests count
        time.sleep(0.2)
        t = time.perf_counter()
        r = httpx.get(bounded.url + "health", timeout=5)
        assert time.perf_counter() - t < 0.5
    assert r.status_code == 503 and r.headers["retry-after"] == "1" and "CLUSTERKG_MAX_CONNECTIONS" in r.text
    deadline = time.monotonic() + 5  # once they are gone (the server has seen them close)
    while (status := httpx.get(bounded.url + "health", timeout=5).status_code) != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status == 200


def test_stalled_clients_do_not_slow_health(bounded):
    with contextlib.ExitStack() as held:
        for i in range(CAP - 5):  # stalls of every kind, short of the cap
            stall = [HEAD, b"GET /sparql?query=ASK", HEAD + b"X-Big: " + b"a" * 60000][i % 3]
            held.enter_context(_connect(bounded)).sendall(stall)
        slowest = max(_health_seconds(bounded) for _ in range(10))
    assert slowest < 0.5, f"/health took {slowest:.2f} s"


def test_pipelined_requests_are_answered_in_order(bounded):
    with _connect(bounded) as s:
        s.sendall(HEAD + b"\r\n" + b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = _read_to_end(s)
    assert answer.count(b"HTTP/1.1 200 ") == 2 and answer.index(b'"status"') < answer.index(b'"boolean"')


def test_a_deep_pipeline_is_answered_up_to_the_bound_then_closed(bounded):
    """15,000 tiny pipelined requests on each of 20 connections had held 660 MB: now 16 wait
    behind the one answered, the last of them says ``connection: close``, the rest is dropped."""
    pid = bounded.proc.pid
    _health_seconds(bounded)
    before = rss_kib(pid)
    with contextlib.ExitStack() as held:
        conns = [held.enter_context(_connect(bounded)) for _ in range(20)]
        for s in conns:
            s.sendall(b"GET /health HTTP/1.1\r\n\r\n" * 15_000)
        time.sleep(1)
        grown = (rss_kib(pid) - before) / 1024
        answer = _read_to_end(conns[0])
    assert grown < 8, f"the web process grew by {grown:.1f} MiB"
    assert answer.count(b"HTTP/1.1 200 ") == 17 and answer.count(b"connection: close") == 1
