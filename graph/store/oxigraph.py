"""The embedded store: Oxigraph (pyoxigraph) on disk, in atomic generations.

Layout of a store folder::

    STORE/
      current -> generations/20261130T154500Z-1234    (symlink: the serving snapshot)
      generations/20261130T154500Z-1234/db/           (an Oxigraph RocksDB folder)
      generations/20261130T154500Z-1234/dumps/        (the dumps made at build time)
      generations/20261130T160102Z-1290.partial/      (a build in progress, or killed)

A build writes a new ``.partial`` generation, renames it when complete, then swaps the
``current`` symlink with ``os.replace`` (atomic on POSIX). Readers open ``current``
read-only; a killed build leaves only a ``.partial`` folder, which the next build
removes. The two newest complete generations are kept, so a server still reading the
previous one is not pulled from under its feet.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import gzip
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..errors import QueryEvaluationError, QuerySyntaxError, StoreError
from ..sparql_text import MAX_NESTING, keywords, nesting_depth

__all__ = [
    "OxigraphStore", "OxigraphWriter", "QueryResult", "open_store", "open_writer",
    "store_is_empty", "QUERY_RESULT_FORMATS", "RDF_FORMATS", "DUMPS", "current_generation", "previous_meta",
]

#: SPARQL result formats: media type -> pyoxigraph format (SPARQL 1.1 Query Results
#: JSON, XML, CSV and TSV Formats, W3C Recommendations 2013).
QUERY_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}

#: RDF formats for CONSTRUCT and DESCRIBE results: media type -> pyoxigraph format.
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

#: Dump files written at build time: file name -> (pyoxigraph format, whole dataset?).
#: Turtle and N-Triples hold the union of the named graphs (each triple once); N-Quads
#: and JSON-LD keep the graph names.
DUMPS = {
    "clusterkg.ttl": (ox.RdfFormat.TURTLE, False),
    "clusterkg.nt": (ox.RdfFormat.N_TRIPLES, False),
    "clusterkg.nq": (ox.RdfFormat.N_QUADS, True),
    "clusterkg.jsonld": (ox.RdfFormat.JSON_LD, True),
}

_CURRENT = "current"
_GENERATIONS = "generations"
_PARTIAL = ".partial"
_KEEP = 2


@dataclass
class QueryResult:
    """The answer to a query, not yet serialised.

    :param kind: ``"select"``, ``"ask"`` or ``"graph"`` (CONSTRUCT / DESCRIBE).
    :param raw: the pyoxigraph result object.
    """

    kind: str
    raw: object

    def serialize(self, media_type: str) -> bytes:
        """Serialise in a format named by its media type.

        :param media_type: one of :data:`QUERY_RESULT_FORMATS` (SELECT, ASK) or
            :data:`RDF_FORMATS` (CONSTRUCT, DESCRIBE).
        :raises ValueError: when the format does not fit the query form.
        """
        if self.kind in ("select", "ask"):
            fmt = QUERY_RESULT_FORMATS.get(media_type)
            if fmt is None:
                raise ValueError(f"{media_type} is not a SPARQL results format")
        else:
            fmt = RDF_FORMATS.get(media_type)
            if fmt is None:
                raise ValueError(f"{media_type} is not an RDF format this store writes")
        try:
            return self.raw.serialize(format=fmt)
        except (OSError, RuntimeError) as exc:  # evaluation is lazy: errors surface here
            message = str(exc)
        self.raw = None  # drop the solutions in this thread (they may not cross threads)
        raise QueryEvaluationError(f"the query failed while it was evaluated: {message}")

    @property
    def boolean(self) -> bool:
        """The answer of an ASK query."""
        return bool(self.raw)

    def rows(self) -> list[dict[str, str]]:
        """SELECT solutions as dicts of variable -> lexical value (unbound left out)."""
        out = []
        variables = [v.value for v in self.raw.variables]
        for sol in self.raw:
            row = {}
            for name in variables:
                term = sol[name]
                if term is not None:
                    row[name] = term.value
            out.append(row)
        return out


def current_generation(root: Path) -> Path | None:
    """The generation folder ``root/current`` points to, or None when there is none."""
    link = root / _CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if (target / "db").is_dir() else None


def store_is_empty(root: str | Path) -> bool:
    """True when the store folder holds no published snapshot."""
    return current_generation(Path(root)) is None


class OxigraphStore:
    """A read-only snapshot: the generation ``current`` pointed to when opened.

    :param root: the store folder.
    :raises StoreError: when the folder holds no snapshot or Oxigraph cannot open it.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        gen = current_generation(self.root)
        if gen is None:
            raise StoreError(f"{self.root}: no data yet; run 'clusterkg build' first")
        try:
            self._store = ox.Store.read_only(str(gen / "db"))
        except OSError as exc:
            raise StoreError(f"{gen}: cannot open the store ({exc})") from exc
        self.generation = gen.name
        self.dumps_dir = gen / "dumps"
        self.meta_dir = gen / "meta"

    def is_stale(self) -> bool:
        """True when a newer generation has been published since this one was opened."""
        gen = current_generation(self.root)
        return gen is not None and gen.name != self.generation

    def query(self, sparql: str, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None,
              substitutions: dict[str, str] | None = None, base_iri: str | None = None) -> QueryResult:
        """Run a SPARQL 1.1 query.

        :param sparql: the query text.
        :param default_graphs: IRIs whose merge is the default graph (the protocol's
            ``default-graph-uri``, SPARQL 1.1 Protocol §2.1.4); None for the union of
            all named graphs.
        :param named_graphs: IRIs available to ``GRAPH`` (``named-graph-uri``); None
            for all.
        :param substitutions: variable name -> IRI, bound before evaluation (so request
            values are never pasted into query text).
        :param base_iri: IRI relative IRIs in the query resolve against (for a query
            sent over HTTP, the endpoint's URL: SPARQL 1.1 Query §4.1.1.1, RFC 3986 §5.1.3).
        :raises QuerySyntaxError: with the parser's message, for a malformed query.
        :raises StoreError: when the store cannot be read.
        """
        depth = nesting_depth(sparql)
        if depth > MAX_NESTING:
            raise QuerySyntaxError(f"the query nests groups {depth} deep; at most {MAX_NESTING} are allowed")
        kwargs: dict = {"base_iri": base_iri} if base_iri else {}
        own_dataset = "FROM" in keywords(sparql)
        try:
            if default_graphs is not None or named_graphs is not None:
                kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs or []] or ox.DefaultGraph()
                if named_graphs is not None:
                    kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            elif not own_dataset:  # FROM / FROM NAMED in the query set the dataset themselves
                kwargs["use_default_graph_as_union"] = True
            if substitutions:
                kwargs["substitutions"] = {ox.Variable(k): ox.NamedNode(v) for k, v in substitutions.items()}
        except ValueError as exc:
            raise QuerySyntaxError(f"invalid IRI: {exc}") from None
        try:
            raw = self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from exc
        if isinstance(raw, ox.QueryBoolean):
            return QueryResult("ask", raw)
        if isinstance(raw, ox.QuerySolutions):
            return QueryResult("select", raw)
        return QueryResult("graph", raw)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    def dump_nquads(self) -> bytes:
        """All quads as N-Quads (graph names kept)."""
        return self._store.dump(format=ox.RdfFormat.N_QUADS)

    def close(self) -> None:
        self._store = None  # type: ignore[assignment]


class OxigraphWriter:
    """Writes a new generation; ``commit()`` publishes it atomically.

    :param root: the store folder (created if missing).
    :raises StoreError: when the folder cannot be created or written.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        gens = self.root / _GENERATIONS
        try:
            gens.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.root / ".build.lock", "a+")
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot create the store folder ({exc.strerror})") from exc
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise StoreError(f"{self.root}: another build is writing to this store; "
                             "wait for it to finish") from None
        for stale in gens.glob(f"*{_PARTIAL}"):  # left by a killed build (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self.name = f"{stamp}-{os.getpid()}"
        self.path = gens / (self.name + _PARTIAL)
        try:
            self.path.mkdir()
            self._store = ox.Store(str(self.path / "db"))
        except OSError as exc:
            self._release()
            raise StoreError(f"{self.path}: cannot create the store ({exc})") from exc
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def _release(self) -> None:
        try:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
        except (OSError, ValueError):
            pass

    def add_graph(self, graph_iri: str, ntriples: bytes) -> None:
        """Queue N-Triples for named graph ``graph_iri``; they are bulk-loaded in batches
        of a few MiB (one bulk load per graph costs far more than one per batch).

        :raises StoreError: when a batch cannot be loaded (bad data or storage).
        """
        graph = b" <" + graph_iri.encode("utf-8") + b"> .\n"
        lines = [line[:-2].rstrip() + graph for line in ntriples.splitlines(keepends=False)
                 if line.strip() and line.rstrip().endswith(b".")]
        self._pending.extend(lines)
        self._pending_bytes += sum(len(x) for x in lines)
        if self._pending_bytes > 8 * 1024 * 1024:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending, self._pending_bytes = [], 0
        try:
            self._store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"cannot load the profile graphs: {exc}") from exc

    def write_dumps(self, prefixes: dict[str, str] | None = None) -> dict[str, Path]:
        """Write the dumps (:data:`DUMPS`) and a gzipped copy of each into the new
        generation's ``dumps/`` folder.

        :param prefixes: prefix -> namespace for the Turtle dump.
        :return: file name -> path, for every file written.
        :raises StoreError: when a file cannot be written.
        """
        self._flush()
        out_dir = self.path / "dumps"
        written: dict[str, Path] = {}
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            for name, (fmt, dataset) in DUMPS.items():
                path = out_dir / name
                if dataset:
                    self._store.dump(str(path), format=fmt)
                else:
                    union = self._union()
                    kw = {"prefixes": prefixes} if prefixes and fmt == ox.RdfFormat.TURTLE else {}
                    union.dump(str(path), format=fmt, from_graph=ox.DefaultGraph(), **kw)
                written[name] = path
                gz = _gzip(path)
                written[gz.name] = gz
        except OSError as exc:
            raise StoreError(f"{out_dir}: cannot write the dumps ({exc})") from exc
        return written

    @property
    def meta_dir(self) -> Path:
        """The new generation's ``meta/`` folder (catalogue, VoID, feed state)."""
        return self.path / "meta"

    def write_subset_dumps(self, name: str, graphs: list[str], prefixes: dict[str, str] | None = None) -> list[Path]:
        """Dump some named graphs as ``{name}.ttl`` (their union) and ``{name}.nq``, each
        also gzipped, into ``dumps/``.

        :return: the files written.
        :raises StoreError: when a file cannot be written.
        """
        self._flush()
        out_dir = self.path / "dumps"
        sub = ox.Store()
        union = ox.Store()
        for gname in graphs:
            node = ox.NamedNode(gname)
            quads = list(self._store.quads_for_pattern(None, None, None, node))
            sub.bulk_extend(quads)
            union.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
        written = []
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            ttl, nq = out_dir / f"{name}.ttl", out_dir / f"{name}.nq"
            kw = {"prefixes": prefixes} if prefixes else {}
            union.dump(str(ttl), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), **kw)
            sub.dump(str(nq), format=ox.RdfFormat.N_QUADS)
            for path in (ttl, nq):
                written += [path, _gzip(path)]
        except OSError as exc:
            raise StoreError(f"{out_dir}: cannot write the dumps ({exc})") from exc
        return written

    def stats(self) -> dict:
        """VoID figures over the union of the named graphs (VoID §4.6): triples, entities
        (distinct IRI subjects), distinct subjects/objects, properties, classes, class and
        property partitions, and links into the EU authority tables."""
        self._flush()
        def one(q: str) -> int:
            sol = next(iter(self._store.query(q, use_default_graph_as_union=True)))
            return int(sol["n"].value)

        def pairs(q: str) -> dict[str, int]:
            return {sol["k"].value: int(sol["n"].value)
                    for sol in self._store.query(q, use_default_graph_as_union=True)}

        stats = {
            "triples": one("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"),
            "entities": one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"),
            "distinct_subjects": one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
            "distinct_objects": one("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
            "properties": one("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
            "classes": one("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"),
            "class_partitions": pairs("SELECT ?k (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?k } GROUP BY ?k"),
            "property_partitions": pairs("SELECT ?k (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?k ?o "
                                         "WHERE { ?s ?k ?o } } GROUP BY ?k"),
        }
        links = {}
        for target in ("http://publications.europa.eu/resource/authority/country/",
                       "http://publications.europa.eu/resource/authority/language/"):
            rows = [(sol["k"].value, int(sol["n"].value)) for sol in self._store.query(
                "SELECT ?k (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?k ?o WHERE { ?s ?k ?o "
                f'FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{target}")) }} }} GROUP BY ?k ORDER BY DESC(?n)',
                use_default_graph_as_union=True)]
            if rows:
                links[target] = (rows[0][0], sum(n for _, n in rows))
        stats["linksets"] = links
        return stats

    def graph_ntriples(self):
        """Each named graph of the new snapshot as ``(graph IRI, N-Triples bytes)``, one at a
        time, sorted by IRI (so the caller never holds the whole graph)."""
        self._flush()
        for name in sorted(g.value for g in self._store.named_graphs()):
            node = ox.NamedNode(name)
            yield name, ox.serialize((ox.Triple(q.subject, q.predicate, q.object)
                                      for q in self._store.quads_for_pattern(None, None, None, node)),
                                     format=ox.RdfFormat.N_TRIPLES)

    def _union(self) -> ox.Store:
        """The union of the named graphs, each triple once, as an in-memory store."""
        if getattr(self, "_union_store", None) is None:
            union = ox.Store()
            union.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                              for q in self._store.quads_for_pattern(None, None, None, None))
            self._union_store = union
        return self._union_store

    def add_quads(self, nquads: bytes) -> None:
        """Load N-Quads (each quad into its own named graph)."""
        self._flush()
        try:
            self._store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"cannot load quads: {exc}") from exc

    def commit(self) -> str:
        """Flush, close, rename the generation and point ``current`` at it.

        :return: the generation's name.
        :raises StoreError: when any step fails (the previous snapshot keeps serving).
        """
        final = self.path.with_name(self.name)
        tmp_link = self.root / f".{_CURRENT}.{self.name}"
        try:
            self._flush()
            self._union_store = None
            self._store.flush()
            self._store.optimize()
            del self._store
            os.rename(self.path, final)
            os.symlink(Path(_GENERATIONS) / self.name, tmp_link)
            os.replace(tmp_link, self.root / _CURRENT)
        except OSError as exc:
            for leftover in (self.path, final):
                shutil.rmtree(leftover, ignore_errors=True)
            try:
                tmp_link.unlink(missing_ok=True)
            except OSError:
                pass
            self._release()
            raise StoreError(f"{self.root}: cannot publish the new snapshot ({exc})") from exc
        self._prune()
        self._release()
        return self.name

    def abort(self) -> None:
        """Drop the partial generation."""
        try:
            del self._store
        except AttributeError:
            pass
        shutil.rmtree(self.path, ignore_errors=True)
        self._release()

    def _prune(self) -> None:
        """Keep the current generation and the one before it; remove the others."""
        current = current_generation(self.root)
        gens = sorted(p for p in (self.root / _GENERATIONS).iterdir()
                      if p.is_dir() and not p.name.endswith(_PARTIAL))
        keep = {current.name} if current else set()
        older = [g for g in gens if current is None or g.name < current.name]
        keep.update(g.name for g in older[-(_KEEP - 1):])
        for old in gens:
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


def _gzip(path: Path) -> Path:
    """Write ``path.gz`` beside ``path`` (no timestamp in the header: same bytes each time)."""
    gz = path.with_name(path.name + ".gz")
    with open(path, "rb") as src, open(gz, "wb") as raw:
        with gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw, mtime=0) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    return gz


def previous_meta(root: str | Path) -> Path | None:
    """The ``meta/`` folder of the store's current snapshot, or None."""
    gen = current_generation(Path(root))
    return gen / "meta" if gen is not None else None


def open_store(root: str | Path) -> OxigraphStore:
    """Open the store folder's current snapshot read-only (see :class:`OxigraphStore`)."""
    return OxigraphStore(root)


def open_writer(root: str | Path) -> OxigraphWriter:
    """Start a new generation in the store folder (see :class:`OxigraphWriter`)."""
    return OxigraphWriter(root)
