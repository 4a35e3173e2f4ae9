"""negotiate(): a table of Accept headers (RFC 9110 §12.5.1)."""

import pytest

from clusterkg.service.errors import NotAcceptable
from clusterkg.service.negotiation import negotiate

RESULTS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values"]


@pytest.mark.parametrize("accept, expected", [
    (None, "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv", "text/csv"),
    ("text/*", "text/csv"),
    ("text/*, text/csv;q=0", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/*;q=0.2, text/tab-separated-values;q=0.3", "text/tab-separated-values"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+json"),
    ("application/sparql-results+json; charset=utf-8", "application/sparql-results+json"),
])
def test_table(accept, expected):
    assert negotiate(accept, RESULTS) == expected


@pytest.mark.parametrize("accept", ["image/png", "text/csv;q=0", "application/json"])
def test_not_acceptable(accept):
    with pytest.raises(NotAcceptable) as exc:
        negotiate(accept, ["text/csv"])
    assert exc.value.offered == ["text/csv"]
