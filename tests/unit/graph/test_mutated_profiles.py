"""Property: however a real profile (or another source: a register, a network page, news,
a republication, from ../shared when it is there) is damaged (lines deleted, duplicated,
reordered, bytes corrupted), the reader raises nothing but ProfileReadError, and every line
it accepts ends up in the graph (mapped or under the catch-all)."""

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.errors import ProfileReadError
from clusterkg.graph.read.manifest import ProfileSource
from clusterkg.graph.map.sources import map_record
from clusterkg.graph.read import decode, read_profile
from clusterkg.graph.map.vocab import Uris
from clusterkg.settings import bundled_data

_OTHER = Path(os.environ.get("CLUSTERKG_SHARED", Path(__file__).resolve().parents[3].parent / "shared")) / "profiles" / "other"
SAMPLES = sorted(p for p in bundled_data().glob("*.txt")) + sorted(_OTHER.glob("*.txt") if _OTHER.is_dir() else [])
TEXTS = {p.name: p.read_bytes() for p in SAMPLES}
STRUCTURAL = {"heading", "label", "caption", "boilerplate", "breadcrumb"}


@st.composite
def damaged(draw):
    name = draw(st.sampled_from(sorted(TEXTS)))
    lines = TEXTS[name].split(b"\n")
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "corrupt", "truncate"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            j = draw(st.integers(0, len(lines) - 1))
            lines[j:j] = lines[i:i + draw(st.integers(1, 8))]
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "corrupt" and lines[i]:
            k = draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:k] + bytes([draw(st.integers(0, 255))]) + lines[i][k + 1:]
        elif op == "truncate":
            lines = lines[: i + 1]
    return name, b"\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_profiles_read_or_fail_cleanly_and_lose_nothing(case):
    name, data = case
    try:
        text, _issues = decode(data, name)
        profile = read_profile(text, name)
    except ProfileReadError as exc:
        assert str(exc).startswith(name)
        return
    assert profile.unaccounted_lines() == []
    mapped = map_record(profile, ProfileSource(Path(name), "p", "p", name="P"), Uris(), Vocabulary.load(), "0" * 64)
    for line, _text in profile.line_texts.items():
        if profile.structure.get(line) in STRUCTURAL:
            continue
        triples = mapped.ledger.get(line)
        assert triples, (name, line, _text)
        assert all(t in mapped.graph for t in triples)
