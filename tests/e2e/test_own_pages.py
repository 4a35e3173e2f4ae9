"""No page of the service makes a browser fetch anything from another host (issue item 13:
FastAPI's /docs and /redoc loaded unpinned Swagger UI and ReDoc scripts from a public CDN,
with no Content-Security-Policy). Links to other hosts (the IRIs of the data) are fine;
what a page *loads* (scripts, style sheets, images, frames, ...) must come from itself,
and every HTML page carries the strict CSP."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.e2e

#: Elements and the attribute through which a browser loads something.
LOADS = {"script": "src", "img": "src", "iframe": "src", "frame": "src", "embed": "src", "source": "src",
         "audio": "src", "video": "src", "track": "src", "input": "src", "object": "data"}
#: ``<link rel=...>`` values that make a browser fetch the target.
FETCHING_RELS = {"stylesheet", "icon", "shortcut", "preload", "modulepreload", "prefetch", "manifest",
                 "apple-touch-icon", "import"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in LOADS and a.get(LOADS[tag]):
            self.loads.append(a[LOADS[tag]])
        if tag == "link" and FETCHING_RELS & set((a.get("rel") or "").lower().split()):
            self.loads.append(a.get("href") or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("style"):
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _own(url: str, base: str) -> bool:
    return urlsplit(urljoin(base, url)).netloc == urlsplit(base).netloc


def test_no_page_loads_anything_from_another_host(server):
    for gone in ("docs", "redoc", "docs/oauth2-redirect"):
        assert httpx.get(server.url + gone).status_code == 404, gone
    assert httpx.get(server.url + "openapi.json").json()["info"]["title"] == "clusterkg"
    todo, seen, pages = [server.url, server.url + "dumps/", server.url + "doc/cluster/ict-net.html"], set(), 0
    while todo and pages < 40:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        r = httpx.get(url, headers={"Accept": "text/html"})
        if r.status_code != 200 or not r.headers.get("content-type", "").startswith("text/html"):
            continue
        pages += 1
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "http" not in csp, (url, csp)
        page = _Page()
        page.feed(r.text)
        assert [u for u in page.loads if not _own(u, url)] == [], url
        assert not [s for s in page.styles if "url(" in s and "http" in s], url
        todo += [urljoin(url, u).split("#")[0] for u in page.links if _own(u, url)]
    assert pages >= 5, f"only {pages} pages crawled"
