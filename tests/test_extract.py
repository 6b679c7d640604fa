"""Extraction on real pages: the benchmark's pages, the replay server's page shape, paywalls and junk."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import shared_file

from newsweave.evaluation.extraction import score_extraction, shingle_match
from newsweave.stages.extract import extract_page

PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Storm hits coast | Daily</title>
<meta property="og:title" content="Storm hits coast">
<meta property="article:published_time" content="2024-03-05T08:30:00+00:00">
<link rel="canonical" href="https://daily.example/storm?utm_source=x"></head>
<body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<div class="cookie">We use cookies to improve your experience. <button>Accept</button></div></header>
<main><article><h1>Storm hits coast</h1><div class="byline">By Jane Doe · March 5, 2024</div>
<div class="share">Share on Facebook · Share on X · Email</div>
{body}
</article><aside><h2>Most read</h2><ul><li><a href="/x1">Ten things to know this week</a></li></ul></aside></main>
<footer>© Daily. All rights reserved. <a href="/privacy">Privacy</a></footer></body></html>"""

PARAGRAPHS = [
    "A powerful storm struck the northern coast on Tuesday, cutting power to 40,000 homes and closing two ports.",
    "Emergency services said three people were injured by falling trees, and rail lines were suspended overnight.",
    "Forecasters expect the winds to ease by Thursday, but warned of flooding along the river valleys.",
]


def page_with(paragraphs: list[str]) -> str:
    return PAGE.format(body="\n".join(f"<p>{p}</p>" for p in paragraphs))


def test_the_body_comes_without_page_furniture():
    page = extract_page(page_with(PARAGRAPHS), "http://mirror.example/a.html")
    assert page.text == "\n\n".join(PARAGRAPHS)
    assert page.partial is None
    for furniture in ("cookies", "Share on", "Most read", "All rights reserved", "Home", "Jane Doe"):
        assert furniture not in page.text


def test_metadata_comes_from_the_page():
    page = extract_page(page_with(PARAGRAPHS), "http://mirror.example/a.html")
    assert page.title == "Storm hits coast"
    assert page.published.isoformat() == "2024-03-05T08:30:00+00:00"
    assert page.author == "Jane Doe"
    assert page.url == "https://daily.example/storm?utm_source=x"
    assert page.language == "en"


def test_a_paywall_teaser_is_partial_and_its_prompt_is_dropped():
    teaser = [PARAGRAPHS[0], "Subscribe to continue reading. Already a subscriber? Sign in."]
    page = extract_page(page_with(teaser), "http://mirror.example/a.html")
    assert page.partial == "only a paywall teaser"
    assert page.text == PARAGRAPHS[0]


JUNK = [b"", b"\x00\x01\x02", b"not html at all", b"<html><body><h1>Welcome</h1></body></html>"]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_is_a_partial_page_not_a_crash(junk):
    page = extract_page(junk, "http://x.example/")
    assert page.partial is not None and len(page.text) < 250


def test_scripts_and_styles_never_reach_the_text():
    body = PARAGRAPHS + ["<script>alert('x')</script><style>p{color:red}</style>"]
    page = extract_page(page_with(body), None)
    assert "alert" not in page.text and "color" not in page.text


def test_shingle_measure_by_hand():
    assert shingle_match("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    tp, fp, fn = shingle_match("a b c d e", "a b c d x")  # shingles abcd, bcde vs abcd, bcdx
    assert (tp, fp, fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert score_extraction([("same words here now", "same words here now")]).f1 == 1.0


@pytest.mark.slow
def test_body_extraction_f1_on_the_benchmark_pages_holds_its_floor():
    truth = json.loads(shared_file("extraction/ground-truth.json").read_text(encoding="utf-8"))
    folder = shared_file("extraction/html")
    pairs = []
    for key, entry in truth.items():
        html = gzip.decompress((folder / f"{key}.html.gz").read_bytes())
        pairs.append((entry["articleBody"], extract_page(html, entry["url"]).text))
    scores = score_extraction(pairs)
    assert scores.pages == 181
    assert scores.f1 >= 0.95  # measured 0.966; the target is 0.93
