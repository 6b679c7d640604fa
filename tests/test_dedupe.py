"""Canonical URLs: two links to one page compare equal; different pages never do."""

from __future__ import annotations

import pytest

from newsweave.stages.dedupe import canonical_url


@pytest.mark.parametrize("url, expected", [
    ("HTTPS://Example.COM/Path", "https://example.com/Path"),
    ("https://example.com", "https://example.com/"),
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("https://example.com/a#section", "https://example.com/a"),
    ("https://user:pw@example.com/a", "https://example.com/a"),
    ("https://example.com/a?utm_source=rss&utm_MEDIUM=x&id=5", "https://example.com/a?id=5"),
    ("https://example.com/a?fbclid=1&gclid=2&b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("https://example.com./a", "https://example.com/a"),
    ("http://[2001:db8::1]:8080/a", "http://[2001:db8::1]:8080/a"),
    ("https://bücher.example/a", "https://bücher.example/a"),
])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


NOT_WEB_PAGES = ["javascript:alert(1)", "mailto:a@b.c", "/relative/path", "https://", "data:text/html,x",
                 "http://exa mple.com/", "https://a<b>.example/", "https://example.com:99999/"]


@pytest.mark.parametrize("url", NOT_WEB_PAGES)
def test_only_absolute_http_urls_have_a_canonical_form(url):
    with pytest.raises(ValueError):
        canonical_url(url)

