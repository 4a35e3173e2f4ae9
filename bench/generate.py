#!/usr/bin/env python3
"""Synthetic cluster profiles, in every layout the readers know, for scale tests.

Usage:
    python bench/generate.py N OUT_DIR [--seed 1]

Writes N profile files (``eccp-2016``, ``eccp-2019`` and ``eccp-2021`` layouts, in the
proportions of the real samples) and a ``manifest.csv`` into OUT_DIR. Deterministic for a
given seed. Values are drawn from the shipped concept schemes and from the real samples'
shapes (fill rates, list lengths, empty fields, members with organisation types, shared
networks, dates, labels, countries); the real samples stay the ground truth.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

from clusterkg.graph.map.concepts import Vocabulary

COUNTRIES = ["Serbia", "Romania", "Poland", "Bulgaria", "Germany", "France", "Spain", "Italy", "Austria",
             "Czechia", "Slovenia", "Croatia", "Greece", "Portugal", "Belgium", "Netherlands", "Sweden",
             "Finland", "Denmark", "Hungary", "Slovakia", "Lithuania", "Latvia", "Estonia", "Ireland"]
NETWORKS = ["BBS ICT Cluster Network", "Balkan & Black Sea ICT Custers Network", "European Digital SME Alliance",
            "Serbian Cluster Association", "NOATEX metacluster", "Danubius Design", "ClusterXchange network",
            "European Cluster Alliance"]
WORDS = ("cluster members innovation cooperation companies regional development export digital industry "
         "research training projects internationalisation services network competitiveness value chain "
         "partners technology market growth skills sustainability").split()
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
ROLES = ["Cluster Manager", "ECCP Responsible Person", "Internationalisation Responsible", "Project Manager"]
ORG_TYPES = ["Larger Company", "Technology Center", "University", "SME", "Research Organisation", "Business Incubator"]


def _labels(vocab: Vocabulary, scheme: str) -> list[str]:
    return sorted(v for k, v in ((c, vocab.pref[c]) for c in set(vocab.labels[scheme].values())) if v)


def _sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _pick(rng, items, lo, hi):
    return rng.sample(items, min(len(items), rng.randint(lo, hi)))


def old_layout(rng: random.Random, name: str, vocab, variant: str) -> str:
    d = dt.date(rng.randint(1995, 2020), rng.randint(1, 12), rng.randint(1, 28))
    out = []
    if variant == "2019":
        out += [f"Home > Cluster Organisations > {name}", "", name, "", "Primary tabs", ""]
    out += ["Printer-friendly versionPrinter-friendly version", "General Information",
            "The date when the cluster organisation was established:\u00a0", d.strftime("%A, ") + f"{d.day} {MONTHS[d.month - 1]}, {d.year}",
            "Number of staff in the management team of the cluster organisation :\u00a0"]
    if rng.random() < 0.3:
        out.append(rng.choice(["1-5", "6-10", "3", "11-20"]))
    if rng.random() < 0.7:
        out.append(f"Region of {rng.choice(WORDS).capitalize()}")
    out.append("Cluster Excellence Label:\u00a0")
    if rng.random() < 0.6:
        out.append(rng.choice(["Bronze Label"] * 6 + ["Silver Label"] * 2 + ["Gold Label"]))
    if variant == "2019":
        out.append("Other Label:\u00a0")
    out.append("Membership to other networks/partnerships:\u00a0")
    out += _pick(rng, NETWORKS, 0, 3)
    out.append("Cluster Management Team:\u00a0")
    for role in _pick(rng, ROLES, 1, 3):
        out.append(role)
        if rng.random() < 0.3:
            out.append(f"+381 60 {rng.randint(100, 999)} {rng.randint(1000, 9999)}")
    out += ["Languages spoken:\u00a0"] + _pick(rng, ["English", "German", "French", "Serbian", "Romanian"], 0, 2)
    out += ["Sectoral and Industrial Focus", "Sectoral Industries:\u00a0"] + _pick(rng, _labels(vocab, "sectoral-industry"), 0, 3)
    out += ["Technology fields:\u00a0"] + _pick(rng, _labels(vocab, "technology-field"), 0, 3)
    if variant == "2019":
        out += ["S3 EU priority areas:\u00a0"] + _pick(rng, _labels(vocab, "s3-priority-area"), 0, 2)
    out += ["Emerging industries:\u00a0"] + _pick(rng, _labels(vocab, "emerging-industry"), 0, 2)
    out += ["Composition of the cluster"]
    for label in ["Total number of members", "Number of SME members", "Number of larger company members",
                  "Number of research organisations/universities/technology centres"]:
        out.append(label + ":\u00a0")
        if rng.random() < 0.4:
            out.append(str(rng.randint(0, 400)))
    out.append("Name and link of major players:\u00a0")
    for _ in range(rng.randint(0, 6)):
        out.append(f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()} {rng.randint(1, 999)}")
        if rng.random() < 0.5:
            out.append(rng.choice(ORG_TYPES))
    out += ["Cluster Strategy", "", "Mission: " + _sentence(rng), "", "Cluster goals/objectives:", ""]
    out += ["  \u2022 " + _sentence(rng) for _ in range(rng.randint(1, 5))]
    out += ["Support services provided:\u00a0"] + _pick(rng, _labels(vocab, "support-service"), 0, 5)
    out += ["Cooperation Activities", "International Cooperation",
            "The main countries targeted by the cluster organisation:\u00a0"] + _pick(rng, ["United States", "China", "Japan", "Canada"], 0, 2)
    return "\n".join(out) + "\n"


def layout_2021(rng: random.Random, name: str, country: str, vocab) -> str:
    d = dt.date(rng.randint(1995, 2020), rng.randint(1, 12), rng.randint(1, 28))
    out = [name, name.upper(), "", f"{country}: {rng.choice(WORDS).capitalize()}", "Jane Doe",
           f"{rng.choice([60, 75, 90, 100])}% completed", "", "", "About us", ""]
    out += [_sentence(rng, 30) for _ in range(rng.randint(1, 4))]
    out += ["", f"Established - {d.day} {MONTHS[d.month - 1]} {d.year}", f"Staff in the management team - {rng.choice(['1-5', '6-10'])}"]
    out += ["Support services for upskilling and reskilling of companies workforce"]
    out += ["  \u2022 " + s for s in _pick(rng, ["Competence development", "Staff mobility", "Mentoring"], 1, 3)]
    out += ["", "Cluster composition", ""]
    total = rng.randint(10, 400)
    for number, caption in [(total, "Cluster Members"), (int(total * 0.8), None),
                            (rng.randint(0, 20), "Number of start-ups among SME's"),
                            (rng.randint(0, 15), "Research Organisations, Universities, Technology Centers")]:
        out.append(f"  \u2022 {number}")
        if caption:
            out.append(f"    {caption}")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    vocab = Vocabulary.load()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(args.n):
        country = rng.choice(COUNTRIES)
        name = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()} Cluster {i}"
        pid = f"p{i:06d}"
        kind = rng.choices(["2016", "2019", "2021"], weights=[1, 3, 2])[0]
        text = layout_2021(rng, name, country, vocab) if kind == "2021" else old_layout(rng, name, vocab, kind)
        (args.out / f"{pid}.txt").write_text(text, encoding="utf-8")
        rows.append({"file": f"{pid}.txt", "id": pid, "name": name, "country": country,
                     "source_url": f"https://example.org/cluster/{pid}", "retrieved": "2026-11-01"})
    with open(args.out / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "id", "name", "country", "source_url", "retrieved"])
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {args.n} profiles and manifest.csv to {args.out}")


if __name__ == "__main__":
    main()
