"""How the command line answers a query: the server's checks, the store's answer printed
in the format asked for (``clusterkg query``), and the serving snapshot for the commands
that read the store (``dump``, ``catalog``).

Kept apart from :mod:`clusterkg.cli` so that :func:`answer_offline` runs in
:func:`~clusterkg.offline.run_offline`'s child without the command group.
"""

from __future__ import annotations

import sys

import click

from clusterkg.graph import formats
from clusterkg.settings import Settings

__all__ = ["QUERY_OUT", "reader", "check_query", "answer_offline", "answer", "check_fits", "print_table"]

#: ``query --format``: ``table`` (text for people), then the SELECT/ASK result formats,
#: then the CONSTRUCT/DESCRIBE ones.
QUERY_OUT: dict[str, formats.Format | None] = {
    "table": None, **{f.key: f for f in formats.RESULTS}, **{f.key: f for f in (formats.TURTLE, formats.N_TRIPLES)}}

def reader(settings: Settings):
    """The settings' serving snapshot (:meth:`~clusterkg.graph.store.Backend.reader`).

    :raises click.ClickException: the store holds no snapshot or cannot be opened.
    """
    from clusterkg.graph.errors import StoreError
    from clusterkg.graph.store import open_backend

    try:
        return open_backend(settings).reader()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def check_query(sparql: str, strict: bool = False) -> None:
    """The server's :func:`~clusterkg.service.guard.check_query`; a refusal is a
    :class:`click.UsageError`."""
    from clusterkg.service import guard

    try:
        guard.check_query(sparql, strict=strict)
    except guard.QueryRefused as exc:
        raise click.UsageError(str(exc)) from None


def answer_offline(isolated: bool, settings: Settings, sparql: str, fmt: str) -> None:
    """:func:`answer` in :func:`~clusterkg.offline.run_offline`'s child; without a network
    namespace, the check turns strict first (as on the server)."""
    if not isolated:
        check_query(sparql, strict=True)
    answer(settings, sparql, fmt)


def answer(settings: Settings, sparql: str, fmt: str) -> None:
    """Run ``sparql`` on the settings' store and print the answer in ``fmt``; exit 1 on
    a syntax error or a failure during evaluation."""
    from clusterkg.graph.errors import QueryEvaluationError, QuerySyntaxError, StoreError

    try:
        result = reader(settings).query(sparql)
    except QuerySyntaxError as exc:
        click.echo(f"SPARQL syntax error: {exc}", err=True)
        sys.exit(1)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    out = QUERY_OUT[fmt]
    if out is None:
        print_table(result)
        return
    check_fits(result.kind, fmt)
    try:
        text = result.serialize(out.media_type).decode("utf-8")
    except QueryEvaluationError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(text, nl=not text.endswith("\n"))


def check_fits(kind: str, fmt: str) -> None:
    """Refuse a ``--format`` that does not fit the query form ``kind``.

    :raises click.UsageError: naming the formats that fit.
    """
    graph = kind == "graph"
    offered = formats.GRAPH_RESULTS if graph else formats.RESULTS
    if QUERY_OUT[fmt] not in offered:
        fitting = [k for k, f in QUERY_OUT.items() if (f in offered if f is not None else not graph)]
        raise click.UsageError(f"--format {fmt} does not fit a {'CONSTRUCT/DESCRIBE' if graph else 'SELECT/ASK'} "
                               f"query; use one of: {', '.join(fitting)}")


def print_table(result) -> None:
    """Print an answer for people: ``true``/``false``, Turtle, or tab-separated rows
    (the variables first) with the row count on standard error.

    :raises click.ClickException: the query failed while it was evaluated.
    """
    if result.kind == "ask":
        click.echo("true" if result.boolean else "false")
        return
    if result.kind == "graph":
        click.echo(result.serialize(formats.TURTLE.media_type).decode("utf-8"))
        return
    variables = [v.value for v in result.raw.variables]
    try:
        rows = result.rows()
    except (OSError, RuntimeError) as exc:
        raise click.ClickException(f"the query failed while it was evaluated: {exc}") from None
    click.echo("\t".join(variables))
    for row in rows:
        click.echo("\t".join(row.get(v, "") for v in variables))
    click.echo(f"({len(rows)} rows)", err=True)
