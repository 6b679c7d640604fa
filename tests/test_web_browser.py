"""The reader in a real browser: Debian's headless Chromium, driven by Playwright, against `newsweave serve`.

Loads the front page of a database built from the AllSides crawl, opens a story, focuses a citation
marker and checks that the cited source sentence appears; saves screenshots of both pages at desktop
and phone widths into $NEWSWEAVE_SCREENSHOTS (else pytest's temporary folder).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import shared_file
from story_db import build_clustered_db, read_article_file

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
WIDTHS = {"desktop": 1280, "phone": 390}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (`make test` installs it: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`newsweave serve` on a free loopback port over a database of the crawl's stories."""
    articles = read_article_file(shared_file("allsides/crawl.articles.jsonl"))
    db = build_clustered_db(tmp_path_factory.mktemp("browser") / "crawl.db", articles)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWEAVE_")}
    process = subprocess.Popen([sys.executable, "-m", "newsweave", "serve", "--db", str(db), "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(base: str, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"newsweave serve exited: {process.stderr.read().decode()}")
        try:
            httpx.get(base + "/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("newsweave serve did not answer within 20 s")


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("NEWSWEAVE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open_page(browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1,
                                  is_mobile=width < 600, has_touch=width < 600)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return context, page, problems


@pytest.mark.parametrize("device", list(WIDTHS))
def test_a_reader_opens_a_story_and_reads_a_citations_source_sentence(browser, server, screenshots, device):
    context, page, problems = _open_page(browser, WIDTHS[device])
    try:
        page.goto(server + "/")
        assert page.locator("h1").inner_text() == "Stories"
        assert page.locator("article.card").count() == 20
        page.screenshot(path=screenshots / f"front-{device}.png", full_page=True)

        first = page.locator("article.card .card-title a").first
        headline = first.inner_text()
        first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == headline
        brief = httpx.get(server + page.url.removeprefix(server) + ".json").json()
        page.screenshot(path=screenshots / f"story-{device}.png", full_page=True)

        marker = page.locator(".cite > a").first
        popover = page.locator(".cite .pop").first
        assert not popover.is_visible()
        marker.focus()
        popover.wait_for(state="visible", timeout=2000)
        quotes = {citation["quote"] for claim in brief["summary"] for citation in claim["citations"]}
        shown = popover.locator(".pop-quote").first.inner_text()
        assert shown in quotes
        page.screenshot(path=screenshots / f"story-citation-{device}.png")
        assert problems == [], f"the page reported errors (a CSP violation?): {problems}"
    finally:
        context.close()


def test_a_tap_on_a_marker_opens_the_source_sentence_and_a_second_tap_goes_to_the_source(browser, server):
    context, page, problems = _open_page(browser, WIDTHS["phone"])
    try:
        page.goto(server + "/")
        page.locator("article.card .card-title a").first.click()
        page.wait_for_load_state()
        marker = page.locator(".cite > a").first
        marker.tap()
        assert page.locator(".cite.is-open .pop").first.is_visible()
        assert "#src-" not in page.url
        marker.tap()
        page.wait_for_function("location.hash.startsWith('#src-')")
        assert problems == []
    finally:
        context.close()
