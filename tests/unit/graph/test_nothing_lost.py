"""Nothing is lost: every non-blank line of every sample is a label/heading, or its value
is in the graph (mapped to a term, or under the catch-all), and the reader survives any
truncation of a real profile."""

import pytest
from rdflib import Literal, URIRef

from clusterkg.graph.build import process
from clusterkg.graph.errors import ProfileReadError
from clusterkg.graph.read.names import country_code, language_code
from clusterkg.graph.read import read_profile
from clusterkg.graph.read.labels import norm_label
from clusterkg.graph.read.lines import split_lines
from clusterkg.graph.read.values import parse_count, parse_date, parse_range
from clusterkg.graph.map.vocab import EU_COUNTRY, EU_LANGUAGE, RDFS, SCHEMA, SKOS
from clusterkg.graph.read.names import slugify


def _evidence(text: str, triple, graph, vocab, depth: int = 0) -> bool:
    """True when ``triple`` visibly carries ``text``."""
    s, p, o = triple
    t = text.lstrip("•-* ").strip()
    if isinstance(o, Literal):
        if t in str(o) or str(o) in t:
            return True
        d = parse_date(t)
        if d and str(o) == d.lexical:
            return True
        n = parse_count(t)
        if n is not None and o.value == n:
            return True
        r = parse_range(t)
        return bool(r and o.value in r)
    if isinstance(o, URIRef):
        if o in vocab.pref and slugify(t) in {k for k, v in vocab.labels_by_concept(o)}:
            return True
        if o == EU_COUNTRY[country_code(t) or "-"] or o == EU_LANGUAGE[language_code(t) or "-"]:
            return True
        labels = {str(x) for prop in (SCHEMA.name, RDFS.label, SKOS.prefLabel, SKOS.altLabel)
                  for x in graph.objects(o, prop)}
        if any(t in lab or lab in t for lab in labels):
            return True
        # a node (staff range, label) whose own triples carry the text
        return depth < 1 and any(_evidence(text, tr, graph, vocab, depth + 1)
                                 for tr in graph.triples((o, None, None)))
    return False


@pytest.mark.parametrize("pid", ["ict-net", "vojvodina-ict-cluster-voict", "romanian-textile-concept",
                                 "klaster-innowacyjna-medycyna", "ict-cluster-bulgaria-2021",
                                 "vojvodina-ict-cluster-2021"])
def test_every_value_line_is_in_the_graph(pid, sources, uris, vocab):
    out = process(sources[pid], uris, vocab)
    p, m = out.profile, out.mapped
    assert p.unaccounted_lines() == []
    missing = []
    for line, text in p.line_texts.items():
        role = p.structure.get(line)
        if role in ("heading", "label", "caption", "boilerplate", "breadcrumb"):
            continue
        triples = m.ledger.get(line, [])
        if not triples:
            missing.append((line, text, "no triple"))
            continue
        for t in triples:
            assert t in m.graph, (line, t)
        if not any(_evidence(text, t, m.graph, vocab) for t in triples):
            # an inline "Label: value" line: the value part must be carried
            value = text.partition(":")[2].strip() or text.partition(" - ")[2].strip()
            if not (value and any(_evidence(value, t, m.graph, vocab) for t in triples)):
                missing.append((line, text, triples))
    assert missing == []


@pytest.mark.parametrize("name", ["esca-bronze-label-poland", "network-serbian-cluster-association",
                                  "network-balkan-black-sea-ict-clusters", "eccp-8-romanian-silver-clusters",
                                  "blacksea-horizon-ossa-defence-aviation-cluster"])
def test_every_value_line_of_the_other_sources_is_in_the_graph(name, other_sources, uris, vocab):
    from clusterkg.graph.read.manifest import ProfileSource

    out = process(ProfileSource(other_sources / f"{name}.txt", name, name), uris, vocab)
    r, m = out.profile, out.mapped
    assert out.status == "valid" and r.unaccounted_lines() == []
    structural = ("heading", "label", "caption", "boilerplate", "breadcrumb")
    missing = [(line, text) for line, text in r.line_texts.items()
               if r.structure.get(line) not in structural and not m.ledger.get(line)]
    assert missing == []
    assert all(t in m.graph for triples in m.ledger.values() for t in triples)


def test_every_sample_label_is_known(profiles):
    """The samples hold no label the tables lack; the only 'unknown' field is the news
    text after the 2021 Bulgarian profile."""
    unknown = {pid: [f.label for f in p.get("unknown")] for pid, p in profiles.items()}
    assert unknown == {pid: (["(text after the profile)"] if pid == "ict-cluster-bulgaria-2021" else [])
                       for pid in profiles}
    for p in profiles.values():
        for f in p.fields:
            if f.line is not None and p.structure.get(f.line) == "label":
                assert norm_label(f.label), f


@pytest.mark.parametrize("pid", ["ict-net", "vojvodina-ict-cluster-voict", "ict-cluster-bulgaria-2021",
                                 "klaster-innowacyjna-medycyna"])
def test_any_truncation_reads_and_accounts_for_every_line(pid, sources):
    text = sources[pid].path.read_text(encoding="utf-8")
    lines = split_lines(text)
    # cut after every line from the first layout landmark on, and mid-way through every 7th
    first = next(i for i, ln in enumerate(lines)
                 if ln.text.startswith(("Home >", "Printer-friendly")) or ln.text.endswith("% completed"))
    starts = [sum(len(ln.raw) + 1 for ln in lines[:k]) for k in range(len(lines) + 1)]
    cuts = starts[first + 1:]
    cuts += [starts[k] + len(lines[k].raw) // 2 for k in range(first + 1, len(lines), 7)
             if len(lines[k].raw) > 4]  # mid-line, past the landmark line
    for cut in cuts:
        try:
            p = read_profile(text[:cut], f"{pid}[:{cut}]")
        except ProfileReadError as exc:  # only a prefix with no value at all may be refused
            assert "holds no value" in str(exc), (cut, str(exc))
            continue
        assert p.unaccounted_lines() == [], cut
        assert p.layout.startswith("eccp-")
