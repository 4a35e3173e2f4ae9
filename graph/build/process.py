"""Read, map and validate many profile files as a stream, on every core, with a cache.

:func:`process` runs the three stages for one file. :func:`processed` runs them for a
list of files and yields *slim* outcomes in source order: each keeps the report, the
notes and the few facts the build's metadata needs (:class:`~.facts.ProfileFacts`),
plus the graph's N-Triples until the build has loaded them; the rdflib graphs stay in
the process that made them. At most a few batches are in flight at any time, so memory
does not grow with the number of files. Files the :class:`~.cache.ProfileCache` already
knows are not processed again.
"""

from __future__ import annotations

import collections
import concurrent.futures
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from clusterkg.graph.build.cache import ProfileCache, entry_key
from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.publish.dumps import canonical_ntriples, jsonld_fragment
from clusterkg.graph.errors import ProfileReadError
from clusterkg.graph.map.facts import ProfileFacts, profile_facts
from clusterkg.graph.read.manifest import ProfileSource
from clusterkg.graph.map.mapping import Mapped, map_profile
from clusterkg.graph.read.profile import Profile, ReadIssue
from clusterkg.graph.read import read_profile_file
from clusterkg.graph.validate import ValidationReport, validate_mapped
from clusterkg.graph.map.vocab import Uris

__all__ = ["Outcome", "process", "processed", "graph_data", "PARALLEL_FROM"]


@dataclass
class Outcome:
    """What happened to one profile file.

    :param source: the file and its manifest row.
    :param status: ``"published"`` (or ``"valid"`` outside a build), ``"rejected"``
        (SHACL violations) or ``"unreadable"`` (a :class:`ProfileReadError`).
    :param profile: what the reader read (None when unreadable).
    :param mapped: the mapping result (None when unreadable).
    :param report: the validation report (None when unreadable).
    :param error: the read error, for unreadable files.
    :param content_hash: SHA-256 of the published graph's sorted N-Triples (see
        :func:`~clusterkg.graph.publish.feed.content_hash`), set when the build loads it.
    :param facts: what the build's metadata needs of a valid profile's graph.
    :param nt: a valid profile's graph as canonical N-Triples, lines sorted
        (:func:`~.dumps.canonical_ntriples`), until the build has loaded it (None
        for an outcome taken from the cache: see :func:`graph_data`).
    :param jsonld: the same graph as a JSON-LD named-graph object, for the dataset's
        JSON-LD dump (:func:`~.dumps.jsonld_fragment`); kept and dropped with ``nt``.
    :param reused: True when the build took this outcome from its cache instead of
        processing the file again.
    :param cache_key: the outcome's key in the build cache, when it has one.

    Outcomes of a build are *slim*: ``mapped.graph``, ``mapped.ledger``,
    ``mapped.line_labels`` and ``report.graph`` are dropped (None or empty), and
    ``profile`` keeps only its source, layout, issues and ``truncated``.
    """

    source: ProfileSource
    status: str
    profile: Profile | None = None
    mapped: Mapped | None = None
    report: ValidationReport | None = None
    error: ProfileReadError | None = None
    content_hash: str | None = None
    facts: ProfileFacts | None = None
    nt: bytes | None = None
    jsonld: bytes | None = None
    reused: bool = False
    cache_key: str | None = None

    @property
    def issues(self) -> list[ReadIssue]:
        return self.profile.issues if self.profile else []


def process(source: ProfileSource, uris: Uris, vocab: Vocabulary | None = None) -> Outcome:
    """Read, map and validate one profile file.

    :return: an :class:`Outcome` with status ``valid``, ``rejected`` or ``unreadable``.
        Never raises for bad input: a :class:`ProfileReadError` is kept on the outcome.
    """
    vocab = vocab or Vocabulary.load()
    try:
        profile = read_profile_file(source.path)
        checksum = source.sha256()
    except ProfileReadError as exc:
        return Outcome(source, "unreadable", error=exc)
    mapped = map_profile(profile, source, uris, vocab, checksum)
    report = validate_mapped(mapped, str(source.path))
    return Outcome(source, "valid" if report.publishable else "rejected", profile, mapped, report)


def _slim(out: Outcome) -> Outcome:
    """Keep what a build needs of ``out``: serialise a valid graph, work out its facts,
    drop the graph, the ledger and the report graph, trim the profile."""
    if out.mapped is not None:
        if out.status == "valid":
            nt = out.mapped.graph.serialize(format="nt", encoding="utf-8")
            out.facts = profile_facts(out.mapped.graph, out.mapped.cluster, nt)
            out.nt = canonical_ntriples(nt)  # what the store and the dumps take
            out.jsonld = jsonld_fragment(str(out.mapped.graph_iri), out.nt)
        out.mapped.graph = None  # type: ignore[assignment]
        out.mapped.ledger = {}
        out.mapped.line_labels = {}
    if out.report is not None:
        out.report.graph = None  # type: ignore[assignment]
    if out.profile is not None:
        p = out.profile
        out.profile = Profile(p.source, p.layout, issues=p.issues, truncated=p.truncated)
    return out


#: Below this many files to process the build runs in-process (starting workers costs ~1 s).
PARALLEL_FROM = 64
#: Files per task sent to a worker, and tasks in flight per worker.
_BATCH, _IN_FLIGHT = 16, 4

_WORKER_STATE: dict = {}


def _init_worker(base_uri: str, vocab: Vocabulary, parent: int) -> None:
    _WORKER_STATE["uris"] = Uris(base_uri)
    _WORKER_STATE["vocab"] = vocab
    if os.getppid() != parent:  # the build died while this worker was starting
        os._exit(0)

    def watch_parent() -> None:  # a killed build must not leave its workers behind
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch_parent, daemon=True, name="parent-watch").start()


def _process_batch(sources: list[ProfileSource]) -> list[Outcome]:
    return [_slim(process(s, _WORKER_STATE["uris"], _WORKER_STATE["vocab"])) for s in sources]


def _batches(items: list[ProfileSource]) -> Iterator[list[ProfileSource]]:
    for i in range(0, len(items), _BATCH):
        yield items[i:i + _BATCH]


def _computed(todo: list[ProfileSource], uris: Uris, vocab: Vocabulary, workers: int) -> Iterator[Outcome]:
    """Slim outcomes of ``todo``, in order; in ``workers`` processes when more than one,
    with a bounded number of batches in flight."""
    if workers <= 1:
        for src in todo:
            yield _slim(process(src, uris, vocab))
        return
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                                initargs=(uris.base, vocab, os.getpid())) as pool:
        pending: collections.deque = collections.deque()
        batches = _batches(todo)
        for batch in batches:
            pending.append(pool.submit(_process_batch, batch))
            if len(pending) >= workers * _IN_FLIGHT:
                break
        while pending:
            done = pending.popleft().result()
            nxt = next(batches, None)
            if nxt is not None:
                pending.append(pool.submit(_process_batch, nxt))
            yield from done


def _pack(nt: bytes, jsonld: bytes) -> bytes:
    """A graph's two serialisations as one cache blob: N-Triples length, N-Triples, JSON-LD."""
    return len(nt).to_bytes(8, "big") + nt + jsonld


def _unpack(blob: bytes) -> tuple[bytes, bytes] | None:
    if len(blob) < 8:
        return None
    n = int.from_bytes(blob[:8], "big")
    return (blob[8:8 + n], blob[8 + n:]) if 8 + n <= len(blob) else None


def graph_data(out: Outcome, cache: ProfileCache | None, uris: Uris, vocab: Vocabulary) -> tuple[bytes, bytes]:
    """A valid outcome's graph as (canonical N-Triples, JSON-LD named-graph object): its
    own, else the cache's copy, else (a cache entry that cannot be read back) the file
    processed again.

    :raises ValueError: when the file, processed again, is no longer valid.
    """
    if out.nt is not None and out.jsonld is not None:
        return out.nt, out.jsonld
    blob = cache.data(out.cache_key) if cache is not None and out.cache_key else None
    data = _unpack(blob) if blob is not None else None
    if data is None:
        again = _slim(process(out.source, uris, vocab))
        if again.nt is None or again.jsonld is None:
            raise ValueError(f"{out.source.path}: no longer valid; build again")
        data = again.nt, again.jsonld
    return data


def processed(sources: list[ProfileSource], uris: Uris, vocab: Vocabulary,
              progress: Callable[[Iterable], Iterable] | None = None, workers: int | None = None,
              cache: ProfileCache | None = None, fingerprint: str = "") -> Iterator[Outcome]:
    """Slim outcomes (see :class:`Outcome`) of ``sources``, in source order.

    :param sources: the files, sorted by id.
    :param uris: the IRI minter.
    :param vocab: the vocabulary (with the input folders' network aliases).
    :param progress: wraps the stream of outcomes (e.g. ``tqdm``).
    :param workers: processes to use (default: one per core when more than
        :data:`PARALLEL_FROM` files need processing, else in-process).
    :param cache: outcomes of earlier builds; files it knows are not processed again
        (their outcomes come back with ``reused`` set), the others are added to it.
    :param fingerprint: the cache's :func:`~.cache.fingerprint` for this build.
    :raises OSError: when a profile file cannot be read for its digest.
    """
    keys: list[str | None] = [None] * len(sources)
    known: set[int] = set()
    if cache is not None:
        stored = cache.keys()
        for i, src in enumerate(sources):
            keys[i] = entry_key(fingerprint, src, src.sha256())
            if keys[i] in stored:
                known.add(i)
    todo = [s for i, s in enumerate(sources) if i not in known]
    n = workers if workers is not None else (os.cpu_count() or 1) if len(todo) > PARALLEL_FROM else 1

    def stream() -> Iterator[Outcome]:
        fresh = _computed(todo, uris, vocab, n)
        for i, src in enumerate(sources):
            out = cache.get(keys[i]) if i in known else None  # type: ignore[union-attr]
            if out is not None:
                out.source, out.reused = src, True
            else:
                out = next(fresh) if i not in known else _slim(process(src, uris, vocab))
                if cache is not None:
                    nt, jsonld, out.nt, out.jsonld = out.nt, out.jsonld, None, None
                    # the serialisations beside, read back only when needed
                    cache.put(keys[i], out, _pack(nt, jsonld) if nt is not None and jsonld is not None else None)
                    out.nt, out.jsonld = nt, jsonld
            out.cache_key = keys[i]
            yield out

    yield from (progress or (lambda items: items))(stream())
