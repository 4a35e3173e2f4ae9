"""The vocabulary: own terms documented, schemes complete where the authority list is."""

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, RDFS, SKOS

from clusterkg.graph.map.concepts import SCHEMES, Vocabulary, ontology_files, ontology_graph
from clusterkg.graph.read.orgtypes import ORGANISATION_TYPES
from clusterkg.graph.map.vocab import CKG, CKG_ONTOLOGY, CONCEPT


def test_every_own_term_has_label_definition_and_is_defined_by():
    g = Graph().parse(ontology_files()[0])
    terms = {s for s in g.subjects() if str(s).startswith(str(CKG))}
    assert len(terms) > 40
    for t in terms:
        assert g.value(t, RDFS.label), t
        assert g.value(t, SKOS.definition), t
        assert g.value(t, RDFS.isDefinedBy) == CKG_ONTOLOGY, t


def test_every_ckg_term_used_by_the_code_is_declared():
    import clusterkg.graph.map.mapping as mapping
    import inspect

    declared = {str(s) for s in ontology_graph().subjects(RDF.type, None) if str(s).startswith(str(CKG))}
    source = inspect.getsource(mapping)
    import re

    used = {str(CKG) + m for m in re.findall(r"CKG\.(\w+)", source)}
    assert used - declared == set()


@pytest.mark.parametrize("scheme, count", [("sectoral-industry", 51), ("emerging-industry", 10), ("label-level", 3)])
def test_complete_schemes(scheme, count):
    g = ontology_graph()
    assert len(set(g.subjects(SKOS.inScheme, CONCEPT[scheme]))) == count


def test_every_scheme_has_concepts_with_one_preflabel():
    g = ontology_graph()
    for scheme in SCHEMES:
        concepts = set(g.subjects(SKOS.inScheme, CONCEPT[scheme]))
        assert concepts, scheme
        assert (CONCEPT[scheme], RDF.type, SKOS.ConceptScheme) in g
        for c in concepts:
            assert len(list(g.objects(c, SKOS.prefLabel))) == 1, c


def test_reader_organisation_types_are_in_the_scheme():
    v = Vocabulary.load()
    for t in ORGANISATION_TYPES:
        assert v.concept("organisation-type", t) is not None, t
