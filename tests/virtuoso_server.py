"""A real OpenLink Virtuoso 7 for the tests: ``virtuoso-t`` (Debian package
``virtuoso-opensource-7-bin``, installed by ``.ci/run``) started in the foreground with its
own ini and database folder in a temporary directory, on 127.0.0.1 only."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from processes import free_port, stop_process

INI = Path(__file__).resolve().parent / "fixtures" / "virtuoso" / "virtuoso.ini"


@dataclass
class Virtuoso:
    """A running Virtuoso: ``store_url`` is the ``CLUSTERKG_STORE`` value that reaches it
    (the ``dba`` account of a fresh database, digest authentication)."""

    proc: subprocess.Popen
    folder: Path
    http_port: int

    @property
    def store_url(self) -> str:
        return (f"sparql+http://dba:dba@127.0.0.1:{self.http_port}/sparql"
                "?data=/sparql-graph-crud-auth&auth=digest&dialect=virtuoso")

    def log(self) -> str:
        try:
            return (self.folder / "virtuoso.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        stop_process(self.proc, wait=30)


def virtuoso_binary() -> str | None:
    """The path of ``virtuoso-t``, or None when it is not installed."""
    return shutil.which("virtuoso-t")


def start_virtuoso(folder: Path, wait: float = 120.0) -> Virtuoso:
    """Start ``virtuoso-t`` with a fresh database in ``folder``; return once its SPARQL
    endpoint answers.

    :raises RuntimeError: with the server's log, when it exits or does not answer in time.
    """
    binary = virtuoso_binary()
    if binary is None:
        raise RuntimeError("virtuoso-t is not installed (apt-get install virtuoso-opensource-7-bin)")
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(INI.read_text().format(dir=folder, sql_port=sql_port, http_port=http_port))
    out = open(folder / "stdout.log", "wb")
    proc = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=out,
                            stderr=subprocess.STDOUT, env=dict(os.environ), start_new_session=True)
    out.close()
    v = Virtuoso(proc, folder, http_port)
    deadline = time.time() + wait
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {proc.returncode}:\n{v.log()}")
        try:
            r = httpx.get(f"http://127.0.0.1:{http_port}/sparql", params={"query": "ASK {}"}, timeout=2,
                          trust_env=False)
            if r.status_code == 200:
                return v
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    v.stop()
    raise RuntimeError(f"virtuoso-t did not answer in {wait:.0f} s:\n{v.log()}")
