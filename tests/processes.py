"""Helpers for the real processes the tests start (servers on 127.0.0.1)."""

from __future__ import annotations

import socket
import subprocess

import psutil


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, wait: float = 10.0) -> None:
    """SIGTERM, then SIGKILL when ``proc`` has not exited within ``wait`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def children(pid: int) -> list[int]:
    """The pids of the direct children of ``pid`` (none when it is gone)."""
    try:
        return [c.pid for c in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []


def named_children(pid: int, name: str) -> list[int]:
    """The children of ``pid`` whose process name (``/proc/PID/comm``) is ``name``: the
    server's query workers are ``clusterkg-query``, its text checker ``clusterkg-text``."""
    out = []
    for c in children(pid):
        try:
            if psutil.Process(c).name() == name:
                out.append(c)
        except psutil.NoSuchProcess:
            pass
    return out


def rss_kib(pid: int) -> int:
    """The resident size of ``pid`` in KiB (0 when it is gone)."""
    try:
        return psutil.Process(pid).memory_info().rss // 1024
    except psutil.NoSuchProcess:
        return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time ``pid`` has used, seconds (0 when it is gone)."""
    try:
        t = psutil.Process(pid).cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return t.user + t.system


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, exited but not reaped, counts as gone)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
