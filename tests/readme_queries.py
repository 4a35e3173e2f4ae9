"""The README's example queries (``docs/queries/NAME.rq``, expected output ``NAME.csv``
beside each): which ones run over which data, and the check that README shows each query
and its output and that a server answers it so."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "docs" / "queries"
#: The first line of a query over the bundled profiles and the other sources of ../shared.
OTHER_SOURCES = "# data: data/ ../shared/profiles/other/"


def examples(first_line: str | None) -> list[str]:
    """The example queries' file names: those whose text starts with ``first_line``, or,
    with None, those that name no data (they run on the bundled profiles)."""
    return sorted(p.name for p in QUERIES.glob("*.rq")
                  if (p.read_text(encoding="utf-8").startswith(first_line) if first_line
                      else not p.read_text(encoding="utf-8").startswith("# data:")))


def check_readme_query(url: str, name: str) -> None:
    """README holds query ``name`` and its output, and the SPARQL endpoint at ``url`` (the
    server's base) answers it with exactly that CSV."""
    query = (QUERIES / name).read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert query.strip() in readme, f"README lacks {name}"
    expected = (QUERIES / name).with_suffix(".csv").read_text(encoding="utf-8")
    assert "\n".join("    " + line for line in expected.strip().splitlines()) in readme, "README lacks its output"
    r = httpx.post(url + "sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert r.status_code == 200, r.text
    assert list(csv.reader(io.StringIO(r.text))) == list(csv.reader(io.StringIO(expected)))
