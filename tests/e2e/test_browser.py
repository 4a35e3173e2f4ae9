"""The pages in a real browser (issue 16): Debian's Chromium driven by its ChromeDriver
(selenium; no browser is downloaded), against a real server on 127.0.0.1. The journeys a
person makes, and no request leaving the server: the browser resolves no other host, and
its network log must name only the server.

``CLUSTERKG_SCREENSHOTS=FOLDER`` saves a screenshot of each journey's last page there
(README's ``docs/screenshots/`` were made so)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
#: URLs a page may load that are not requests to any host.
_LOCAL_SCHEMES = ("data:", "blob:", "about:", "chrome-extension:")


@pytest.fixture(scope="module")
def browser(site_server):
    if not (CHROMIUM and CHROMEDRIVER):
        message = "Chromium and its driver are absent (Debian packages chromium and chromium-driver; .ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1400",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def _requests(driver) -> list[str]:
    """The URLs the browser requested since the last call (its DevTools network log)."""
    out = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            out.append(message["params"]["request"]["url"])
    return out


def _shot(driver, name: str) -> None:
    folder = os.environ.get("CLUSTERKG_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _wait(driver, condition, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _only_the_server(driver, server) -> None:
    urls = _requests(driver)
    assert urls, "the network log is empty: nothing was checked"
    outside = [u for u in urls if not u.startswith(server.url) and not u.startswith(_LOCAL_SCHEMES)]
    assert outside == []


def test_search_ict_then_open_ict_net(browser, site_server):
    from selenium.webdriver.common.by import By

    browser.get(site_server.url)
    _shot(browser, "landing")
    box = browser.find_element(By.ID, "q")
    box.send_keys("ICT")
    box.submit()
    _wait(browser, lambda d: "Search: ICT" in d.title)
    results = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ol.hits > li > a")]
    assert "ICT NET" in results and "Vojvodina ICT Cluster" in results
    browser.find_element(By.LINK_TEXT, "ICT NET").click()
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "ICT NET")
    assert "2010-07-12" in browser.page_source and "Bronze" in browser.page_source
    _shot(browser, "cluster")
    _only_the_server(browser, site_server)


def test_serbia_then_its_clusters(browser, site_server):
    from selenium.webdriver.common.by import By

    browser.get(site_server.url)
    browser.find_element(By.PARTIAL_LINK_TEXT, "Serbia (2)").click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "table.clusters"))
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table.clusters td:first-child a")]
    assert names == ["ICT NET", "Vojvodina ICT Cluster"]
    assert "2 clusters with Serbia" in browser.find_element(By.TAG_NAME, "section").text
    _shot(browser, "facet")
    _only_the_server(browser, site_server)


def test_a_region_then_its_clusters(browser, site_server):
    from selenium.webdriver.common.by import By

    browser.get(site_server.url + "doc/region/nuts/rs12")
    section = browser.find_element(By.CSS_SELECTOR, "section.backlinks")
    assert section.find_element(By.TAG_NAME, "h2").text == "Clusters (2)"
    section.find_element(By.LINK_TEXT, "Vojvodina ICT Cluster").click()
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Vojvodina ICT Cluster")
    _only_the_server(browser, site_server)


def test_the_charts_draw(browser, site_server):
    from selenium.webdriver.common.by import By

    browser.get(site_server.url + "charts")
    bars = browser.find_elements(By.CSS_SELECTOR, "#country svg rect.bar")
    assert len(bars) == 4 and bars[0].size["width"] > bars[1].size["width"]  # Serbia 2, the others 1
    _shot(browser, "chart")
    _only_the_server(browser, site_server)


def test_the_editor_runs_an_example_query_and_shows_a_table(browser, site_server):
    from selenium.webdriver.common.by import By

    browser.get(site_server.url + "sparql")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".yasqe .CodeMirror"))
    tabs = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".tabsList .tab")]
    assert "Clusters per country" in tabs[0] and len(tabs) >= 8
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr")) == 4)
    cells = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")][1:]
             for tr in browser.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr")]
    # YASR shows a typed literal whole
    assert cells[0][:2] == ["SRB", '"2"^^<http://www.w3.org/2001/XMLSchema#integer>']
    _shot(browser, "editor")
    _only_the_server(browser, site_server)
