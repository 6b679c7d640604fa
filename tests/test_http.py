"""The HTTP client against real servers on loopback: politeness, limits, retries and refusals."""

from __future__ import annotations

import gzip
import socket
import sys
import threading
import time
from dataclasses import replace

import pytest
from local_server import Reply, serve

from newsweave import http
from newsweave.errors import AddressRefused, FetchError, RobotsRefused
from newsweave.http import USER_AGENT, Fetcher, FetchPolicy, check_address, retry_after_seconds

FAST = FetchPolicy(allow_private_networks=True, host_delay=0, backoff=0.05, read_timeout=2, total_timeout=5)


def fetcher(**changes) -> Fetcher:
    return Fetcher(replace(FAST, **changes))


def ok(body: bytes = b"hello", **headers) -> Reply:
    return Reply(200, body, headers)


def test_a_plain_get_names_newsweave():
    with serve({"/": lambda r: ok()}) as server, fetcher() as client:
        response = client.get(server.base + "/")
    assert (response.status, response.body) == (200, b"hello")
    assert server.log[0][1]["user-agent"] == USER_AGENT and "newsweave" in USER_AGENT


def test_conditional_get_turns_an_unchanged_resource_into_a_304():
    def feed(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return ok(b"<rss/>", ETag='"v1"', **{"Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"})

    with serve({"/feed": feed}) as server, fetcher() as client:
        first = client.get(server.base + "/feed")
        second = client.get(server.base + "/feed", etag=first.etag, last_modified=first.last_modified)
    assert first.etag == '"v1"' and first.body == b"<rss/>"
    assert second.not_modified and second.body == b""
    assert server.log[1][1]["if-modified-since"] == "Wed, 01 Jan 2025 00:00:00 GMT"


def test_429_with_retry_after_is_honoured_then_succeeds():
    calls = []

    def limited(request):
        calls.append(time.monotonic())
        return Reply(429, headers={"Retry-After": "1"}) if len(calls) < 2 else ok()

    with serve({"/r": limited}) as server, fetcher() as client:
        assert client.get(server.base + "/r").body == b"hello"
    assert calls[1] - calls[0] >= 0.95


def test_a_retry_after_beyond_patience_gives_up_at_once():
    with serve({"/r": lambda r: Reply(429, headers={"Retry-After": "3600"})}) as server, fetcher() as client:
        with pytest.raises(FetchError, match="asks to wait 3600 s") as raised:
            client.get(server.base + "/r")
    assert raised.value.status == 429 and server.hits("/r") == 1


def test_500_is_retried_with_backoff_and_then_reported():
    with serve({"/e": lambda r: Reply(500)}) as server, fetcher(retries=2) as client:
        with pytest.raises(FetchError, match="HTTP 500 Internal Server Error after 3 attempts"):
            client.get(server.base + "/e")
    assert server.hits("/e") == 3


def test_404_is_not_retried():
    with serve({}) as server, fetcher() as client:
        with pytest.raises(FetchError, match="HTTP 404 Not Found") as raised:
            client.get(server.base + "/missing")
    assert raised.value.status == 404 and server.hits("/missing") == 1


def test_redirects_are_followed_and_capped():
    routes = {
        "/old": lambda r: Reply(301, headers={"Location": "/new"}),
        "/new": lambda r: ok(b"moved"),
        "/loop": lambda r: Reply(302, headers={"Location": "/loop"}),
    }
    with serve(routes) as server, fetcher(max_redirects=3) as client:
        response = client.get(server.base + "/old")
        assert (response.url, response.body) == (server.base + "/new", b"moved")
        with pytest.raises(FetchError, match="more than 3 redirects"):
            client.get(server.base + "/loop")


def test_a_resource_reached_by_permanent_redirects_alone_says_where_it_now_lives():
    routes = {
        "/old": lambda r: Reply(301, headers={"Location": "/older"}),
        "/older": lambda r: Reply(308, headers={"Location": "/new"}),
        "/new": lambda r: ok(b"here"),
        "/for-now": lambda r: Reply(302, headers={"Location": "/new"}),
        "/mixed": lambda r: Reply(301, headers={"Location": "/for-now"}),
    }
    with serve(routes) as server, fetcher() as client:
        assert client.get(server.base + "/old").moved_to == server.base + "/new"
        assert client.get(server.base + "/for-now").moved_to is None  # a temporary redirect: still ask the old URL
        assert client.get(server.base + "/mixed").moved_to is None
        assert client.get(server.base + "/new").moved_to is None


def test_a_slow_server_times_out():
    with serve({"/slow": lambda r: Reply(200, b"late", delay=3)}) as server, fetcher(retries=0, read_timeout=0.5) as c:
        with pytest.raises(FetchError, match="no answer within 0.5 s"):
            c.get(server.base + "/slow")


def test_an_oversized_body_is_refused_whether_declared_or_streamed():
    big = b"x" * 50_000
    routes = {"/declared": lambda r: ok(big), "/streamed": lambda r: Reply(200, big, chunks=10)}
    with serve(routes) as server, fetcher(max_bytes=10_000) as client:
        for path in ("/declared", "/streamed"):
            with pytest.raises(FetchError, match="larger than 10,000 bytes"):
                client.get(server.base + path)


def test_a_gzip_bomb_is_capped_after_decompression():
    bomb = gzip.compress(b"\0" * 5_000_000)
    with serve({"/z": lambda r: ok(bomb, **{"Content-Encoding": "gzip"})}) as server, fetcher(max_bytes=100_000) as c:
        with pytest.raises(FetchError, match="larger than 100,000 bytes"):
            c.get(server.base + "/z")


def test_gzip_is_decoded():
    with serve({"/z": lambda r: ok(gzip.compress(b"words"), **{"Content-Encoding": "gzip"})}) as server:
        with fetcher() as client:
            assert client.get(server.base + "/z").body == b"words"


def test_loopback_is_refused_by_default(monkeypatch):
    with serve({"/": lambda r: ok()}) as server, Fetcher(FetchPolicy(retries=0)) as client:
        with pytest.raises(AddressRefused, match="NEWSWEAVE_ALLOW_PRIVATE_NETWORKS=1"):
            client.get(server.base + "/")
    assert server.log == []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://10.1.2.3/", "http://192.168.0.1/", "http://169.254.169.254/latest/meta-data",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://localhost/",
])
def test_non_public_addresses_are_refused(url):
    with pytest.raises(AddressRefused):
        check_address(url, allow_private=False)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/"])
def test_only_http_is_fetched(url):
    with pytest.raises(FetchError, match="only absolute http and https"):
        check_address(url, allow_private=True)


def test_a_redirect_to_a_private_address_is_refused(monkeypatch):
    # The test server itself is on loopback: let that one host through, and check every other address as usual.
    real = http.public_addresses
    monkeypatch.setattr(http, "public_addresses",
                        lambda host, port: [host] if host == "127.0.0.1" else real(host, port))
    with serve({"/r": lambda r: Reply(302, headers={"Location": "http://169.254.169.254/"})}) as server:
        with Fetcher(FetchPolicy(retries=0, host_delay=0)) as client:
            with pytest.raises(AddressRefused, match="169.254.169.254"):
                client.get(server.base + "/r")
    assert [path for path, _ in server.log] == ["/r"]


def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused_as_it_connects(monkeypatch):
    """DNS rebinding: the name resolves to a public address whenever ``check_address`` asks, and to loopback
    when anything else does, as the connection is opened."""
    real, answers = socket.getaddrinfo, []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        frame, checking = sys._getframe(1), False
        while frame and not checking:
            checking, frame = frame.f_code is http.check_address.__code__, frame.f_back
        answers.append("93.184.216.34" if checking else "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[-1], port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with serve({"/": lambda r: ok()}) as server, Fetcher(FetchPolicy(retries=0, host_delay=0)) as client:
        with pytest.raises(AddressRefused, match="127.0.0.1"):
            client.get(server.base.replace("127.0.0.1", "rebind.example") + "/")
    assert answers[0] == "93.184.216.34" and answers[-1] == "127.0.0.1"
    assert server.log == []


def test_robots_txt_is_honoured_for_pages():
    routes = {
        "/robots.txt": lambda r: ok(b"User-agent: newsweave\nDisallow: /private/\n"),
        "/private/a.html": lambda r: ok(b"secret"),
        "/public/a.html": lambda r: ok(b"page"),
    }
    with serve(routes) as server, fetcher() as client:
        assert client.get(server.base + "/public/a.html", obey_robots=True).body == b"page"
        with pytest.raises(RobotsRefused):
            client.get(server.base + "/private/a.html", obey_robots=True)
        client.get(server.base + "/public/a.html", obey_robots=True)
    assert server.hits("/robots.txt") == 1 and server.hits("/private/a.html") == 0


def test_a_missing_robots_txt_allows_everything():
    with serve({"/page": lambda r: ok()}) as server, fetcher() as client:
        assert client.get(server.base + "/page", obey_robots=True).status == 200


def test_one_request_at_a_time_per_host_with_a_pause():
    times = []

    def page(request):
        times.append(time.monotonic())
        return ok()

    with serve({"/p": page}) as server, fetcher(host_delay=0.3) as client:
        threads = [threading.Thread(target=client.get, args=(server.base + "/p",)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    gaps = [b - a for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
    assert len(times) == 3 and min(gaps) >= 0.29


def test_retry_after_as_a_date():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("soon") is None
