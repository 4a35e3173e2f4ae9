"""The review file: the pairs of records the reconcile stage did not dare to merge.

One CSV row per pair whose score lies in the review band (at or above the review score,
below the merge score): both names, both sources (the source URL, else the file name),
both record keys, the score and its reasons, and an empty ``decision`` column. A curator
copies the rows she has decided into a ``decisions.csv`` beside the inputs, writes
``same`` or ``not same`` in ``decision`` (:mod:`clusterkg.graph.read.decisions`), and the
next build applies them. The build writes the file into the snapshot's ``meta/`` folder
(``STORE/current/meta/review.csv``), header only when there is nothing to review.
"""

from __future__ import annotations

import csv
import io

from clusterkg.graph.reconcile.identity import ReviewPair

__all__ = ["REVIEW_FILE", "REVIEW_COLUMNS", "review_csv"]

#: The review file's name, in a snapshot's ``meta/``.
REVIEW_FILE = "review.csv"
#: Its columns (a decisions file needs ``left_key``, ``right_key`` and ``decision``).
REVIEW_COLUMNS = ("kind", "left_name", "left_source", "left_key", "right_name", "right_source", "right_key", "score",
                  "reasons", "decision")


def review_csv(pairs: list[ReviewPair]) -> str:
    """The review file's text (CSV, RFC 4180, ``\\r\\n`` line ends), rows sorted by
    descending score, then by keys.

    >>> review_csv([]).splitlines()[0]
    'kind,left_name,left_source,left_key,right_name,right_source,right_key,score,reasons,decision'
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REVIEW_COLUMNS)
    for p in sorted(pairs, key=lambda p: (-p.score, p.kind, p.left_key, p.right_key)):
        writer.writerow([p.kind, p.left_name, p.left_source, p.left_key, p.right_name, p.right_source, p.right_key,
                         f"{p.score:.2f}", "; ".join(p.reasons), ""])
    return out.getvalue()
