"""What keeps a build's memory proportional to what it must hold: the outcomes share the
build's own file descriptions, unpickled mentions share their repeated strings, and large
buffers are mapped on their own so that freeing them gives the memory back."""

import ctypes
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from clusterkg.graph.build.cache import ProfileCache, _package_files, fingerprint
from clusterkg.graph.build.stream import processed
from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.map.mentions import FUNCTIONAL, Mention
from clusterkg.graph.map.vocab import Uris
from clusterkg.graph.read.manifest import collect_sources

ROOT = Path(__file__).resolve().parents[3]
BASE = "http://localhost:8000/"


def _generated(tmp_path: Path, n: int) -> Path:
    gen = tmp_path / "profiles"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(n), str(gen), "--seed", "3"],
                   check=True, capture_output=True)
    return gen


def test_outcomes_from_workers_and_from_the_cache_hold_the_builds_own_sources(tmp_path):
    sources, _notes = collect_sources([_generated(tmp_path, 12)])
    uris, vocab = Uris(BASE), Vocabulary.load()
    cache = ProfileCache(tmp_path / "cache")
    fp = fingerprint(BASE)
    made = list(processed(sources, uris, vocab, workers=2, cache=cache, fingerprint=fp))
    assert [o.source.id for o in made] == [s.id for s in sources]
    assert all(o.source is s for o, s in zip(made, sources, strict=True)), "a worker's copy of the file description was kept"
    assert not any(o.reused for o in made)
    again = list(processed(sources, uris, vocab, workers=2, cache=cache, fingerprint=fp))
    assert all(o.reused for o in again) and len(again) == 12
    assert all(o.source is s for o, s in zip(again, sources, strict=True))


def _mention(n: int) -> Mention:
    # strings made at run time, as a worker's unpickled ones are: equal, not the same objects
    stated = tuple("".join(list(p)) for p in sorted(FUNCTIONAL)[:3])
    cluster = "".join(["http://localhost:8000/id/cluster/", "ict-net"])
    return Mention("".join(["organ", "isation"]), f"http://localhost:8000/id/organisation/srb/m{n}", (f"Member {n}",),
                   country="".join(["SR", "B"]), source="".join(["ict", "-net"]), member_of=cluster,
                   key=f"ict-net:member-{n}", stated=stated, words=(f"{n} member",))


def test_unpickled_mentions_are_equal_and_share_their_repeated_strings():
    a, b = _mention(1), _mention(2)
    assert a.stated is not b.stated and a.member_of is not b.member_of
    a2, b2 = pickle.loads(pickle.dumps(a)), pickle.loads(pickle.dumps(b))  # two pickles, as two files' outcomes
    assert (a2, b2) == (a, b)
    assert a2.stated is b2.stated and a2.stated[0] is b2.stated[0]
    assert a2.member_of is b2.member_of and a2.member_of == "http://localhost:8000/id/cluster/ict-net"
    assert a2.kind is b2.kind and a2.country is b2.country and a2.source is b2.source
    assert a2.iri != b2.iri and a2.words == ("1 member",)


_MAPPED_AFTER_A_LARGE_FREE = """
import ctypes, sys
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
libc.malloc.restype, libc.malloc.argtypes, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_size_t], [ctypes.c_void_p]
if sys.argv[1] == "fixed":
    from clusterkg.graph.build.memory import return_large_blocks
    assert return_large_blocks()
libc.free(libc.malloc(8 << 20))  # glibc then raises its dynamic threshold to 8 MiB
before = libc.mallinfo2().hblks
block = libc.malloc(2 << 20)
print(libc.mallinfo2().hblks - before)
"""


def _has_mallinfo2() -> bool:
    try:
        return hasattr(ctypes.CDLL(None), "mallinfo2")
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux") or not _has_mallinfo2(),
                    reason="mallopt and mallinfo2 are glibc's (2.33 and later)")
def test_a_two_mib_buffer_is_mapped_on_its_own_after_the_threshold_is_fixed():
    def mapped(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", _MAPPED_AFTER_A_LARGE_FREE, mode],
                              check=True, capture_output=True, text=True)
        return int(done.stdout)

    assert mapped("dynamic") == 0  # glibc's default: from the heap, whose holes the process keeps
    assert mapped("fixed") == 1  # mapped, so unmapped (given back) when freed


def test_the_cache_fingerprint_covers_the_outcome_class_it_pickles():
    # a field added to Outcome must not meet entries pickled without it (a slotted class
    # has no class attribute to fall back on)
    files = {(f.parent.name, f.name) for f in _package_files()}
    assert ("build", "process.py") in files and ("map", "mentions.py") in files
    assert ("build", "pipeline.py") not in files  # orchestration does not shape an outcome


def test_unpickled_mentions_keep_rdflib_terms_as_they_are():
    from rdflib import URIRef

    m = Mention("organisation", "http://localhost:8000/id/organisation/srb/x", ("X",),
                member_of=URIRef("http://localhost:8000/id/cluster/ict-net"))
    back = pickle.loads(pickle.dumps(m))
    assert back == m and type(back.member_of) is URIRef
