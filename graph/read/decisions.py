"""The curators' decisions: which records are (not) about the same cluster or organisation.

The reconcile stage writes the pairs it is unsure of to a review file (``review.csv``, in
the snapshot's ``meta/``). A curator copies a row into ``decisions.csv`` beside the inputs
(or into the bundled ``data/``), writes ``same`` or ``not same`` in its ``decision``
column, and the next build applies it, whatever the score says.

Columns (header row required): ``left_key``, ``right_key`` and ``decision`` are needed;
the review file's other columns (names, sources, score, reasons, a ``note``) may stay and
are ignored. A key is a record's key as the review file gives it: ``cluster:{cluster id}``
for a profile's cluster, ``{file id}:{name slug}`` for a cluster or organisation another
file names.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from clusterkg.graph.errors import ManifestError

__all__ = ["Decision", "read_decisions", "decision_files", "DECISIONS_NAME", "SAME", "NOT_SAME"]

#: The decisions file of a folder.
DECISIONS_NAME = "decisions.csv"
#: How a curator may write each decision (lower case, spaces and hyphens alike).
SAME = {"same", "yes", "merge", "same cluster", "same organisation", "same organization"}
NOT_SAME = {"not same", "no", "different", "distinct", "do not merge", "keep apart"}


@dataclass(frozen=True)
class Decision:
    """One curator's decision: records ``left`` and ``right`` (their keys) are the same
    (``same`` True) or not; ``where`` is ``file:line``, for messages."""

    left: str
    right: str
    same: bool
    where: str


def read_decisions(path: str | Path) -> list[Decision]:
    """Read one decisions file (see the module docstring).

    :return: its decisions, in file order; rows with an empty ``decision`` (a review row
        copied but not decided yet) are skipped.
    :raises ManifestError: naming the file and line: not UTF-8 CSV, a missing column, an
        empty key, a decision that is neither "same" nor "not same".
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ManifestError(f"cannot read the decisions file ({exc.strerror})", str(path)) from None
    except UnicodeDecodeError:
        raise ManifestError("not UTF-8 text; save the decisions file as UTF-8 CSV", str(path)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
    missing = {"left_key", "right_key", "decision"} - fields
    if missing:
        raise ManifestError(f"missing column(s) {', '.join(sorted(missing))} (copy the review file's header)",
                            str(path), 1)
    out: list[Decision] = []
    try:
        for row in reader:
            cells = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            said = " ".join(cells.get("decision", "").lower().replace("-", " ").replace("_", " ").split())
            if not said:
                continue
            if said not in SAME | NOT_SAME:
                raise ManifestError(f"decision {cells['decision']!r} is neither 'same' nor 'not same'", str(path),
                                    reader.line_num)
            if not cells.get("left_key") or not cells.get("right_key"):
                raise ManifestError("empty 'left_key' or 'right_key'", str(path), reader.line_num)
            out.append(Decision(cells["left_key"], cells["right_key"], said in SAME, f"{path}:{reader.line_num}"))
    except csv.Error as exc:
        raise ManifestError(f"not valid CSV ({exc})", str(path), reader.line_num) from None
    return out


def decision_files(paths: list[str | Path]) -> list[Path]:
    """The ``decisions.csv`` files found in the given folders (or beside the given files),
    each once, in the order given."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        f = (p if p.is_dir() else p.parent) / DECISIONS_NAME
        if f.is_file() and f not in found:
            found.append(f)
    return found
