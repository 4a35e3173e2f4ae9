"""Network alias tables: how pages spell a cluster network -> one network.

The shipped table (``data/networks.csv``) and a folder's own ``networks.csv`` (same
format) are CSV with the columns ``network,name,alias,page``: one row per spelling;
every row of a network repeats its slug, and the first row gives its canonical name
(and ECCP page, if any). The mapping uses them to put every spelling on one URI.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from clusterkg.graph.errors import ManifestError
from clusterkg.graph.read.names import slugify

__all__ = ["Network", "read_network_aliases"]


@dataclass(frozen=True)
class Network:
    """A cluster network from the alias table: ``slug`` (URI key), canonical ``name``,
    optional ECCP ``page`` URL."""

    slug: str
    name: str
    page: str | None = None


def read_network_aliases(path: Path) -> dict[str, Network]:
    """Read the curated alias table (CSV: ``network,name,alias,page``).

    One row per spelling; every row of a network repeats its slug, and the first row
    gives its canonical name (and ECCP page, if any).

    :return: slug of each alias (and of each canonical name) -> :class:`Network`.
    :raises ManifestError: naming the file and line when a column or cell is missing.
    """
    out: dict[str, Network] = {}
    canon: dict[str, Network] = {}
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ManifestError(f"cannot read the network alias table ({exc.strerror})", str(path)) from None
    with fh:
        reader = csv.DictReader(fh)
        missing = {"network", "alias"} - set(reader.fieldnames or [])
        if missing:
            raise ManifestError(f"missing column(s) {', '.join(sorted(missing))}", str(path), 1)
        for row in reader:
            slug = (row.get("network") or "").strip()
            if not slug or not (row.get("alias") or "").strip():
                raise ManifestError("empty 'network' or 'alias'", str(path), reader.line_num)
            if slug not in canon:
                canon[slug] = Network(slug, (row.get("name") or row["alias"]).strip(),
                                      (row.get("page") or "").strip() or None)
            net = canon[slug]
            out[slugify(row["alias"])] = net
            out[slugify(net.name)] = net
    return out
