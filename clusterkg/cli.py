"""The ``clusterkg`` command line (Click).

Commands: ``convert`` (print mapped RDF), ``validate`` (print the SHACL report),
``build`` (read, map, validate, load into the store), ``query`` (SPARQL against the
store), ``dump`` (write a dump), ``catalog`` (the DCAT-AP catalogue or its score),
``serve`` (HTTP). Options also read ``CLUSTERKG_*`` variables (see
:mod:`clusterkg.settings`). Exit status: 0 success; 1 a profile rejected or unreadable, a
query that failed, a store that cannot be used; 2 bad usage, a bad manifest or alias table,
no profile files found (Click's convention for usage errors).

Formats are the records of :mod:`clusterkg.graph.formats`, named by their keys; the store
is the backend :func:`~clusterkg.graph.store.open_backend` picks from the settings.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import click

from clusterkg import __version__
from clusterkg.graph import formats
from clusterkg.graph.publish.catalog import PROFILES
from clusterkg.graph.publish.dumps import dump_name
from clusterkg.graph.publish.metadata import catalog_file
from clusterkg.answers import QUERY_OUT, answer, answer_offline, check_query, reader
from clusterkg.settings import Settings
from clusterkg.graph.validate.engines import DEFAULT_ENGINE, ENGINES, REFERENCE_ENGINE

__all__ = ["main"]

#: ``convert --format``: the RDF syntaxes it prints, in the order the help shows them.
RDF_OUT = {f.key: f for f in (formats.TURTLE, formats.JSON_LD, formats.N_TRIPLES, formats.TRIG, formats.N_QUADS)}
#: the ``convert`` formats that keep one named graph per profile
_NAMED_GRAPHS = (formats.TRIG, formats.N_QUADS)
#: ``dump --format``: the dumps a build writes (``clusterkg`` + the format's suffix).
DUMP_OUT = {f.key: f for f in (formats.TURTLE, formats.N_TRIPLES, formats.N_QUADS, formats.JSON_LD)}


def _settings(**overrides) -> Settings:
    """The settings, with the flags given; a bad value is a usage error (exit 2)."""
    try:
        return Settings.from_env(**overrides)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


store_option = click.option("--store", metavar="FOLDER|URL",
                            help="Store folder, or a SPARQL server as sparql+http://HOST:PORT/PATH?... "
                                 "[env CLUSTERKG_STORE; default ~/.local/share/clusterkg/store].")
base_option = click.option(
    "--base-uri", help="Base of minted IRIs [env CLUSTERKG_BASE_URI; default the address served, http://HOST:PORT/].")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clusterkg")
def main() -> None:
    """clusterkg: publish cluster organisation profiles as linked data."""


# -- convert, validate: profile files, no store

def _processed(files: tuple[Path, ...], base_uri: str | None, engine: str = REFERENCE_ENGINE) -> tuple[int, Iterator]:
    """The number of profile files under ``files``, and their outcomes (read, mapped,
    validated) as they come; the sources' notes are printed first.

    :raises click.UsageError: a bad base URI, manifest or alias table; no profile files.
    """
    from clusterkg.graph.build import load_vocabulary, process
    from clusterkg.graph.errors import ManifestError
    from clusterkg.graph.map.vocab import Uris
    from clusterkg.graph.read.manifest import collect_sources

    settings = _settings(base_uri=base_uri)
    try:
        sources, notes = collect_sources(list(files))
        if not sources:
            raise click.UsageError(f"no profile files (*.txt) found in {', '.join(map(str, files))}")
        vocab = load_vocabulary(list(files))
    except ManifestError as exc:
        raise click.UsageError(str(exc)) from None
    for n in notes:
        click.echo(f"note: {n}", err=True)
    uris = Uris(settings.base_uri)
    return len(sources), (process(src, uris, vocab, engine=engine) for src in sources)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(list(RDF_OUT)), default="turtle", show_default=True)
@base_option
def convert(files: tuple[Path, ...], fmt: str, base_uri: str | None) -> None:
    """Print the RDF mapped from profile FILES (or folders); no store is touched.

    Turtle, JSON-LD and N-Triples merge the profiles' graphs; TriG and N-Quads keep
    one named graph per profile.
    """
    from rdflib import Dataset

    from clusterkg.graph.map.vocab import bind_prefixes

    _count, outcomes = _processed(files, base_uri)
    ds = Dataset()
    bind_prefixes(ds)
    failed = False
    for out in outcomes:
        if out.status == "unreadable":
            click.echo(f"error: {out.error}", err=True)
            failed = True
            continue
        for issue in out.issues:
            click.echo(f"note: {issue}", err=True)
        g = ds.graph(out.mapped.graph_iri)
        for t in out.mapped.graph:
            g.add(t)
    click.echo(_rdf_text(ds, RDF_OUT[fmt]), nl=False)
    sys.exit(1 if failed else 0)


def _rdf_text(ds, fmt: formats.Format) -> str:
    """``ds`` in ``fmt``: TriG and N-Quads keep the named graphs, the others get their
    merge; N-Triples and N-Quads lines are sorted, each once."""
    from rdflib import Graph

    from clusterkg.graph.map.vocab import bind_prefixes

    plugin = fmt.rdflib
    assert plugin is not None  # every RDF_OUT format has an rdflib plugin
    if fmt in _NAMED_GRAPHS:
        data = ds.serialize(format=plugin)
    else:
        merged = bind_prefixes(Graph())
        for q in ds.quads((None, None, None, None)):
            merged.add(q[:3])
        data = merged.serialize(format=plugin)
    if fmt in (formats.N_TRIPLES, formats.N_QUADS):
        data = "".join(sorted(set(data.splitlines(keepends=True))))
    return data if isinstance(data, str) else data.decode("utf-8")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rdf", "rdf_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the SHACL report as Turtle to this file.")
@click.option("--engine", type=click.Choice(sorted(ENGINES)), default=REFERENCE_ENGINE, show_default=True,
              help="SHACL engine.")
@base_option
def validate(files: tuple[Path, ...], rdf_out: Path | None, engine: str, base_uri: str | None) -> None:
    """Validate profile FILES (or folders) with the SHACL shapes; exit 1 on any violation."""
    from rdflib import Graph

    from clusterkg.graph.map.vocab import bind_prefixes

    count, outcomes = _processed(files, base_uri, engine)
    bad = 0
    reports = bind_prefixes(Graph())
    for out in outcomes:
        if out.status == "unreadable":
            click.echo(f"{out.error}")
            bad += 1
            continue
        click.echo(out.report.text())
        reports += out.report.graph
        bad += 0 if out.report.publishable else 1
    if rdf_out:
        try:
            rdf_out.write_bytes(reports.serialize(format="turtle", encoding="utf-8"))
        except OSError as exc:
            raise click.ClickException(f"{rdf_out}: cannot write the report ({exc.strerror})") from None
    click.echo(f"{count - bad} of {count} profiles have no violation"
               + (f"; {bad} rejected or unreadable" if bad else ""), err=True)
    sys.exit(1 if bad else 0)


# -- build, serve: fill the store

@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@store_option
@base_option
@click.option("--quiet", "-q", is_flag=True, help="Print only rejections and the totals.")
@click.option("--full", is_flag=True,
              help="Redo every profile and load every graph (default: only what changed since the last build).")
@click.option("--shacl-engine", type=click.Choice(sorted(ENGINES)),
              help=f"SHACL engine [env CLUSTERKG_SHACL_ENGINE; default {DEFAULT_ENGINE}].")
def build(paths: tuple[Path, ...], store: str | None, base_uri: str | None, quiet: bool, full: bool,
          shacl_engine: str | None) -> None:
    """Read, map, validate and load PATHS (default: the bundled data) into the store.

    Exit 1 when any profile was rejected or unreadable (the others are published).
    """
    settings = _settings(store=store, base_uri=base_uri, shacl_engine=shacl_engine)
    summary = _run_build(settings, paths or settings.data, quiet, incremental=not full)
    sys.exit(0 if summary.ok else 1)


def _run_build(settings: Settings, paths: Iterable[Path], quiet: bool = False, incremental: bool = True):
    """Build ``paths`` into the settings' store, with a progress bar; print the summary.

    :return: the :class:`~clusterkg.graph.build.BuildSummary`.
    :raises click.UsageError: a bad manifest, or no profile files.
    :raises click.ClickException: nothing could be published, or the store failed.
    """
    from clusterkg.graph.build import NothingToPublish
    from clusterkg.graph.build import build as run_build
    from clusterkg.graph.errors import ClusterkgError, ManifestError
    from clusterkg.graph.store import open_backend

    # The objects loaded so far (modules, tables) live as long as the process: the cyclic
    # collector need not scan them again (gc.freeze), and with a build's many small objects
    # a young collection every 50,000 allocations instead of 700 is enough (a rebuild of
    # 1,100 profiles spent 0.13 s collecting, 0.06 s so).
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(50_000, *threshold[1:])
    try:
        summary = run_build(paths, open_backend(settings), settings.base_uri, progress=_progress_bar,
                            publishing=settings.publishing(), incremental=incremental, policy=settings.policy(),
                            source_date_epoch=settings.source_date_epoch, shacl_engine=settings.shacl_engine)
    except ManifestError as exc:
        raise click.UsageError(str(exc)) from None
    except NothingToPublish as exc:
        if exc.summary.outcomes:
            click.echo(exc.summary.text(verbose=not quiet), err=True)
        else:
            raise click.UsageError(f"no profile files (*.txt) found in {', '.join(map(str, paths))}") from None
        raise click.ClickException(str(exc)) from None
    except ClusterkgError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        gc.set_threshold(*threshold)
    click.echo(summary.text(verbose=not quiet), err=True)
    return summary


def _progress_bar(items: Iterable) -> Iterable:
    """``items``, counted on standard error as profiles go by (only on a terminal)."""
    from tqdm import tqdm

    return tqdm(items, desc="profiles", unit="profile", file=sys.stderr, disable=None, leave=False)


@main.command()
@store_option
@base_option
@click.option("--host", help="Listen address [env CLUSTERKG_HOST; default 127.0.0.1].")
@click.option("--port", type=int, help="Listen port [env CLUSTERKG_PORT; default 8000].")
def serve(store: str | None, base_uri: str | None, host: str | None, port: int | None) -> None:
    """Serve the store over HTTP (SPARQL endpoint at /sparql).

    The base URI is --base-uri (CLUSTERKG_BASE_URI), else the address served
    (http://HOST:PORT/). When the store is empty, the bundled data (or CLUSTERKG_DATA) is
    built first; a store built for another base is rebuilt for this one when it was built
    from those same paths, and refused otherwise (its IRIs would not resolve here).
    """
    from clusterkg.graph.store import open_backend
    from clusterkg.service.app import create_app
    from clusterkg.service.server import serve as run_server

    settings = _settings(store=store, base_uri=base_uri, host=host, port=port)
    backend = open_backend(settings)
    reason = backend.missing() or _built_for_another_base(settings, backend)
    if reason is not None:
        click.echo(f"{reason}: building {', '.join(map(str, settings.data))} for {settings.base_uri}", err=True)
        _run_build(settings, settings.data, quiet=True)
    app = create_app(settings)
    where = f"http://{settings.host}:{settings.port}/"
    click.echo(f"serving {backend} at {where}sparql, base URI {settings.base_uri}"  # never the password
               + ("" if settings.base_uri_given else " (the address served; --base-uri to set another)"), err=True)
    try:
        run_server(app, settings)
    except KeyboardInterrupt:  # uvicorn stopped cleanly on Ctrl-C and raised the signal again
        raise SystemExit(130) from None  # 128 + SIGINT, without click's "Aborted!"


def _built_for_another_base(settings: Settings, backend) -> str | None:
    """Why the store must be rebuilt before it is served with ``settings.base_uri`` (it
    was built for another base, from the paths ``serve`` builds), or None when it may be
    served as it is.

    :raises click.ClickException: built for another base from other paths: rebuilding
        from ``settings.data`` would replace them, so the message says how to go on.
    """
    built = backend.built_for()
    if built is None or built.base_uri == settings.base_uri:
        return None
    ours = tuple(str(p.resolve()) for p in settings.data)
    if built.sources == ours:
        return f"store {backend} was built for {built.base_uri}"
    raise click.ClickException(
        f"store {backend} was built for the base URI {built.base_uri}, not {settings.base_uri}, so its IRIs would "
        f"not resolve on this server. Serve it for the base it was built for (--base-uri {built.base_uri}, on the "
        f"address it names), or rebuild it for this one: clusterkg build {' '.join(built.sources)} --store "
        f"{backend} --base-uri {settings.base_uri}")


# -- query, dump, catalog: read the store

@main.command()
@click.argument("sparql")
@store_option
@click.option("--format", "fmt", type=click.Choice(list(QUERY_OUT)), default="table", show_default=True)
def query(sparql: str, store: str | None, fmt: str) -> None:
    """Answer the SPARQL query from the store (the default graph is the current view).

    Updates and SERVICE are refused. With a store folder the query runs in a child
    process with no network access, as on the server; with a SPARQL server as the store,
    that server evaluates it.
    """
    from clusterkg.offline import run_offline

    settings = _settings(store=store)
    check_query(sparql)  # the server's own check: no updates, no SERVICE
    if settings.remote:
        answer(settings, sparql, fmt)
    else:
        run_offline(answer_offline, settings, sparql, fmt)


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(list(DUMP_OUT)), default=None,
              help="Format of the dump [default: the one the file's ending names (.ttl, .nt, .nq, .jsonld, "
                   "before any .gz); a name with no ending: turtle].")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write; a name ending in .gz gets the gzipped dump.")
def dump(store: str | None, fmt: str | None, out: Path) -> None:
    """Write the whole graph, as made at build time, to a file.

    Turtle and N-Triples hold the union of the named graphs; N-Quads and JSON-LD keep
    the graph names.
    """
    import shutil

    if fmt is None:  # the file's ending says, as it would to anyone who opens it
        plain = Path(out.name[:-3] if out.name.endswith(".gz") else out.name)
        fmt = next((k for k, f in DUMP_OUT.items() if plain.suffix == f.suffix), None if plain.suffix else "turtle")
        if fmt is None:
            raise click.UsageError(f"--out {out.name}: {plain.suffix} is no dump format's ending (the dumps are "
                                   f"{', '.join(f.suffix for f in DUMP_OUT.values())}); name one with --format")
    snapshot = reader(_settings(store=store))
    name = dump_name(DUMP_OUT[fmt]) + (".gz" if out.name.endswith(".gz") else "")
    src = snapshot.dumps_dir / name
    if not src.is_file():
        raise click.ClickException(f"{src}: no such dump in this snapshot; rebuild with 'clusterkg build'")
    try:
        shutil.copyfile(src, out)
    except OSError as exc:
        raise click.ClickException(f"{out}: cannot write ({exc.strerror})") from None
    click.echo(f"wrote {out} ({out.stat().st_size:,} bytes, {fmt})", err=True)


@main.command()
@store_option
@click.option("--profile", type=click.Choice(list(PROFILES)), default="dcat-ap-3.0",
              show_default=True, help="Application profile of the catalogue.")
@click.option("--score", is_flag=True, help="Print the data.europa.eu MQA score instead of the catalogue.")
@click.option("--url", help="Where the server answers, for the accessibility probes "
                            "[default: the base URI].")
@click.option("--dcat-ap-shapes", "shapes_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the DCAT-AP 2.1.1 SHACL shapes (dcat-ap_2.1.1_shacl_shapes.ttl, ..._range.ttl) "
                   "for the compliance indicator [env CLUSTERKG_DCAT_AP_SHAPES].")
@base_option
def catalog(store: str | None, profile: str, score: bool, url: str | None, shapes_dir: Path | None,
            base_uri: str | None) -> None:
    """Print the DCAT-AP catalogue made at build time, or its metadata quality score.

    The score follows the data.europa.eu MQA indicators (405 points; 351+ is Excellent).
    Accessibility is probed over HTTP (HEAD, then GET) against the running server: run
    'clusterkg serve' first. Exit 1 when the score is below Excellent.
    """
    from rdflib import Graph

    from clusterkg.graph.publish.mqa import score_catalog

    settings = _settings(store=store, base_uri=base_uri, dcat_ap_shapes=shapes_dir)
    shapes_dir = _as_option(click.get_current_context(), "shapes_dir", settings.dcat_ap_shapes)
    snapshot = reader(settings)
    path = snapshot.meta_dir / catalog_file(profile)
    if not path.is_file():
        raise click.ClickException(f"{path}: no catalogue in this snapshot; rebuild with 'clusterkg build'")
    if not score:
        click.echo(path.read_text(encoding="utf-8"), nl=False)
        return
    g = Graph().parse(path, format="turtle")
    compliant = _dcat_ap_compliant(snapshot.meta_dir, shapes_dir) if shapes_dir is not None else None
    result = score_catalog(g, _prober(settings.base_uri, url or settings.base_uri), compliant)
    click.echo(result.text())
    sys.exit(0 if result.rating == "Excellent" else 1)


def _as_option(ctx: click.Context, name: str, value):
    """``value`` (from the settings) checked and converted as the command's option
    ``name`` checks what it is given.

    :raises click.BadParameter: naming the option, as for a bad flag.
    """
    option = next(p for p in ctx.command.params if p.name == name)
    return None if value is None else option.type_cast_value(ctx, value)


def _prober(base_uri: str, served_at: str) -> Callable[[str], int | None]:
    """A probe for :func:`~clusterkg.graph.publish.mqa.score_catalog`: URL -> the HTTP
    status of a HEAD request (a GET when HEAD is not allowed), or None when unreachable.
    URLs under ``base_uri`` are asked of ``served_at`` instead."""
    import httpx

    served_at = served_at.rstrip("/") + "/"

    def probe(target: str) -> int | None:
        local = served_at + target[len(base_uri):] if target.startswith(base_uri) else target
        try:
            r = httpx.head(local, timeout=10, follow_redirects=True)
            if r.status_code == 405:
                r = httpx.get(local, timeout=10, follow_redirects=True)
            return r.status_code
        except httpx.HTTPError:
            return None

    return probe


def _dcat_ap_compliant(meta_dir: Path, shapes_dir: Path) -> bool:
    """Whether the snapshot's DCAT-AP 2.1.1 catalogue conforms to the DCAT-AP 2.1.1 SHACL
    shapes in ``shapes_dir``.

    :raises click.UsageError: a shapes file is missing.
    """
    import pyshacl
    from rdflib import Graph

    v2 = Graph().parse(meta_dir / catalog_file("dcat-ap-2.1.1"), format="turtle")
    shapes = Graph()
    for name in ("dcat-ap_2.1.1_shacl_shapes.ttl", "dcat-ap_2.1.1_shacl_range.ttl"):
        if not (shapes_dir / name).is_file():
            raise click.UsageError(f"{shapes_dir / name}: no such file")
        shapes.parse(shapes_dir / name, format="turtle")
    compliant, _g, _t = pyshacl.validate(v2, shacl_graph=shapes, inference="none")
    return compliant


if __name__ == "__main__":  # pragma: no cover
    main()
