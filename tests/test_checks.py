"""The checks a contributor runs: ruff on every Python file, mypy on the packages.

Both read their configuration from pyproject.toml. The folders are mapped into the
``clusterkg`` namespace at install time (``graph/`` is ``clusterkg.graph``), which mypy
cannot follow; it is run over a ``clusterkg/`` view of the checkout made of symbolic links.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: The packages mypy checks.
MYPY_PACKAGES = ["clusterkg.graph", "clusterkg.service", "clusterkg.cli", "clusterkg.answers", "clusterkg.offline", "clusterkg.settings"]


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
        return found
    return str(path)


def test_ruff_finds_nothing():
    r = subprocess.run([_tool("ruff"), "check", "--no-cache", "--output-format", "concise", "."],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_finds_nothing(tmp_path):
    view = tmp_path / "clusterkg"
    view.mkdir()
    for f in (ROOT / "clusterkg").glob("*.py"):
        (view / f.name).symlink_to(f)
    for folder in ("graph", "service"):
        (view / folder).symlink_to(ROOT / folder)
    args = [_tool("mypy"), "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache")]
    for package in MYPY_PACKAGES:
        args += ["-p", package]
    r = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
