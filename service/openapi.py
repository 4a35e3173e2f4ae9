"""OpenAPI descriptions of the responses and request bodies that FastAPI cannot infer
(the routes parse the SPARQL Protocol themselves and answer in many media types), so the
published schema matches what the service really does (checked by schemathesis in CI)."""

from __future__ import annotations

__all__ = ["responses", "ERRORS", "SPARQL_PARAMETERS", "SPARQL_BODY"]

_ERROR_TEXT = {
    302: "Found: the same page under the one name the server gives it",
    303: "See Other: the document describing the resource",
    304: "Not Modified (conditional GET)",
    400: "Bad request: a malformed query or parameter (the parser's message)",
    403: "Forbidden: an update, or a SERVICE clause to an endpoint not allowed",
    404: "Not found",
    406: "Not acceptable: none of the offered media types fits Accept",
    413: "Request body too large",
    415: "Unsupported request body media type",
    502: "Bad Gateway: the SPARQL server holding the graph failed (remote store only)",
    503: "Busy: retry after the Retry-After seconds",
    504: "The query ran past the time limit and was stopped",
}


def responses(ok: list[str] | None = None, *codes: int, description: str = "OK") -> dict:
    """A FastAPI ``responses=`` mapping (OpenAPI 3.1 Responses Object): 200 in the ``ok``
    media types, and each of ``codes`` (errors as text/plain; 302/303/304 without a body).

    :param ok: media types of the 200 answer, or None for no 200.
    :param codes: the other statuses the route answers with (keys of the table above).
    :param description: the 200 answer's description.
    :return: status -> response object.

    >>> sorted(responses(["text/csv"], 404))
    [200, 404]
    """
    out: dict = {}
    if ok:
        out[200] = {"description": description, "content": {m: {} for m in ok}}
    for code in codes:
        if code in (302, 303, 304):
            out[code] = {"description": _ERROR_TEXT[code]}
        else:
            out[code] = {"description": _ERROR_TEXT[code], "content": {"text/plain": {}}}
    return out


#: The errors any query can meet.
ERRORS = (400, 403, 406, 502, 503, 504)

SPARQL_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string", "minLength": 1},
     "description": "A SPARQL 1.1 query; without it, GET answers the service description."},
    {"name": "default-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True},
    {"name": "named-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True},
]

SPARQL_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {"schema": {
            "type": "object", "required": ["query"],
            "properties": {"query": {"type": "string", "minLength": 1},
                           "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                           "named-graph-uri": {"type": "array", "items": {"type": "string"}}}}},
        "application/sparql-query": {"schema": {"type": "string"}},
    },
}
