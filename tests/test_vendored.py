"""Vendored browser assets are the pinned files their PROVENANCE.md names, with a licence."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parent.parent / "service" / "static" / "vendor"


@pytest.mark.parametrize("folder", sorted(p for p in VENDOR.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_vendored_files_match_their_recorded_hashes(folder):
    provenance = (folder / "PROVENANCE.md").read_text(encoding="utf-8")
    assert (folder / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    recorded = dict(re.findall(r"`([\w.-]+\.(?:js|css))`\s+SHA-256 `([0-9a-f]{64})`", provenance))
    assert recorded, "PROVENANCE.md names no file with its SHA-256"
    served = {p.name for p in folder.iterdir() if p.suffix in (".js", ".css")}
    assert served == set(recorded)
    for name, digest in recorded.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
