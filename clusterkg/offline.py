"""Run a command's work with no network: in a child process that first moves into a
network namespace of its own, as the server's query workers do
(:func:`clusterkg.service.query.isolate_network`, Linux ``unshare``).

``clusterkg query`` evaluates a query with the server's engine (Oxigraph), which carries
out ``SERVICE`` calls; the lexical check in front of it is best effort (the README shows a
text it misses), so the real control is that the engine cannot reach any host. The work
runs in a spawned child, so the command's own process (and whatever runs it, a test
runner for one) keeps its network. What the child writes to its standard output and
error is written here as it comes, and its ending (``sys.exit``, a Click error) is
reproduced here, so the command behaves as if it had run in this process.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import click

__all__ = ["run_offline"]

_CTX = mp.get_context("spawn")


class _Relay(io.RawIOBase):
    """A binary stream whose writes go down a pipe, tagged with the stream's name."""

    def __init__(self, conn: Connection, name: str):
        super().__init__()
        self.conn, self.name = conn, name

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.conn.send((self.name, bytes(data)))
        return len(data)


def _child(conn: Connection, function: Callable[..., None], args: tuple) -> None:
    """The child's main: isolate, point stdout and stderr down ``conn``, call
    ``function(isolated, *args)``, and send how it ended."""
    from clusterkg.service.query import isolate_network

    isolated = isolate_network()
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(_Relay(conn, "out"), 1 << 16), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(_Relay(conn, "err"), 1 << 16), encoding="utf-8")
    ending: tuple[Any, ...]
    try:
        function(isolated, *args)
        ending = ("exit", 0)
    except SystemExit as exc:
        code = exc.code
        ending = ("exit", code if isinstance(code, int) else (0 if code is None else 1))
        if isinstance(code, str):
            print(code, file=sys.stderr)
    except click.UsageError as exc:
        ending = ("usage", exc.format_message())
    except click.ClickException as exc:
        ending = ("fail", exc.format_message())
    sys.stdout.flush()
    sys.stderr.flush()
    conn.send(ending)
    conn.close()


def run_offline(function: Callable[..., None], *args: Any) -> None:
    """Call ``function(isolated, *args)`` in a child process without network access.

    ``isolated`` is True when the child is in a network namespace of its own, False where
    the system does not allow one: ``function`` must then refuse whatever could reach
    the network by itself. ``function`` and ``args`` must be picklable (a module-level
    function, settings, text); the child writes with ``click.echo`` or ``print`` as
    usual.

    :raises SystemExit: with the child's exit status, when it exited with one (returning,
        or exiting with 0, returns).
    :raises click.UsageError: when the child raised one (its message).
    :raises click.ClickException: when the child raised one, or ended without saying how
        (killed, crashed).
    """
    receiver, sender = _CTX.Pipe(duplex=False)
    proc = _CTX.Process(target=_child, args=(sender, function, args), daemon=True)
    proc.start()
    sender.close()
    ending = None
    try:
        while ending is None:
            try:
                message = receiver.recv()
            except EOFError:
                break
            if message[0] in ("out", "err"):
                click.echo(message[1], nl=False, err=message[0] == "err")
            else:
                ending = message
    finally:
        receiver.close()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    if ending is None:
        raise click.ClickException(f"the query process ended without an answer (exit status {proc.exitcode})")
    if ending[0] == "usage":
        raise click.UsageError(ending[1])
    if ending[0] == "fail":
        raise click.ClickException(ending[1])
    if ending[1]:
        sys.exit(ending[1])
