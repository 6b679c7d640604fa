"""The one module that touches the network: a polite, defensive HTTP client for feeds and pages.

Polite: a User-Agent that names newsweave and its project page; one request at a time per host
with a pause between requests (hosts run in parallel); conditional GET (ETag, Last-Modified),
so an unchanged feed costs a 304; robots.txt honoured for article pages; retries with
exponential backoff and jitter on 429, 5xx and connection errors, honouring Retry-After (a
server that does not answer in time is not asked again in the same run).

Defensive: connect, read and total time limits; a cap on the body enforced while it streams
(after decompression, so a small gzip bomb cannot fill memory); a few redirects at most, each
hop checked again; only http and https; hosts that resolve to private, loopback, link-local or
otherwise non-public addresses refused unless ``allow_private_networks`` is set, both before a request and
as its connection is opened (to the very address vetted, so DNS rebinding cannot slip between the two).

Every failure is a ``FetchError`` (see ``errors``) whose ``reason`` a user can read.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from newsweave import __version__
from newsweave.errors import AddressRefused, FetchError, RobotsRefused

PROJECT_URL = "https://github.com/newsweave/newsweave"
USER_AGENT = f"newsweave/{__version__} (+{PROJECT_URL})"
ROBOTS_AGENT = "newsweave"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How patient and how careful the client is. The defaults suit public news sites."""

    connect_timeout: float = 10.0
    read_timeout: float = 10.0
    total_timeout: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 120.0
    host_delay: float = 1.0
    allow_private_networks: bool = False


@dataclass(frozen=True, slots=True)
class Response:
    """A fetched resource. ``status`` 304 means unchanged: ``body`` is empty."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    moved_to: str | None = None
    """Where the resource now lives for good, when it was reached through permanent redirects alone (301, 308)."""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class NotPublic(Exception):
    """A host resolved to an address that is not on the public internet."""

    def __init__(self, host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address):
        super().__init__(
            f"host {host!r} is on a private, loopback or link-local network ({address}); "
            "set NEWSWEAVE_ALLOW_PRIVATE_NETWORKS=1 to allow it"
        )


def public_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in resolver order; raises NotPublic when any of them is not public
    (private, loopback, link-local, multicast, reserved; IPv4-mapped IPv6 read as its IPv4 address)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        mapped = getattr(address, "ipv4_mapped", None) or address
        if not mapped.is_global or mapped.is_multicast:
            raise NotPublic(host, mapped)
        addresses.append(str(address))
    return addresses


def check_address(url: str, allow_private: bool) -> None:
    """Refuse a URL that is not http(s), or whose host resolves to a non-public address. The connection itself
    is vetted again as it is made (``_PublicOnlyBackend``): this check gives the early, readable refusal."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "only absolute http and https URLs can be fetched")
    if allow_private:
        return
    try:
        public_addresses(parts.hostname, parts.port or 443)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(url, f"cannot resolve host {parts.hostname!r} ({error})") from None
    except NotPublic as refused:
        raise AddressRefused(url, str(refused)) from None


class _PublicOnlyBackend(httpcore.SyncBackend):
    """Opens connections only to public addresses. The host is resolved here, once, and the connection made to
    the address just vetted, so a name cannot resolve to a public address for ``check_address`` and to a
    private one for the connection (DNS rebinding)."""

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options=None) -> httpcore.NetworkStream:
        try:
            addresses = public_addresses(host, port)
        except (socket.gaierror, UnicodeError) as error:
            raise httpcore.ConnectError(f"cannot resolve host {host!r} ({error})") from None
        failure = httpcore.ConnectError(f"host {host!r} has no address")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure


def _public_only_transport() -> httpx.HTTPTransport:
    """httpx's own transport, its connection pool opening connections through ``_PublicOnlyBackend``."""
    transport = httpx.HTTPTransport()
    pool = transport._pool  # httpx keeps its httpcore pool here; the test of DNS rebinding fails if that changes
    if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError("this httpx version's transport cannot be given a network backend")
    pool._network_backend = _PublicOnlyBackend()
    return transport


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _HostGate:
    """One request at a time per host, ``delay`` seconds apart; different hosts do not wait."""

    def __init__(self, delay: float):
        self._delay = delay
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}

    def hold(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def wait_turn(self, host: str) -> None:
        """Called with the host's lock held: sleep until the pause since the last request is over."""
        pause = self._last.get(host, float("-inf")) + self._delay - time.monotonic()
        if pause > 0:
            time.sleep(pause)

    def done(self, host: str) -> None:
        self._last[host] = time.monotonic()


class Fetcher:
    """Fetch URLs politely. Thread-safe: share one Fetcher across worker threads."""

    def __init__(self, policy: FetchPolicy | None = None, transport: httpx.BaseTransport | None = None):
        self.policy = policy or FetchPolicy()
        timeout = httpx.Timeout(self.policy.read_timeout, connect=self.policy.connect_timeout)
        if transport is None and not self.policy.allow_private_networks:
            transport = _public_only_transport()
        self._client = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate, br"},
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
        )
        self._gate = _HostGate(self.policy.host_delay)
        self._robots: dict[str, RobotFileParser] = {}
        self._robots_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, obey_robots: bool = False
    ) -> Response:
        """GET ``url``, following redirects and retrying transient failures.

        Returns the response (status 200, or 304 when unchanged); raises FetchError otherwise.
        """
        check_address(url, self.policy.allow_private_networks)
        if obey_robots and not self.robots_allow(url):
            raise RobotsRefused(url, "the site's robots.txt does not allow newsweave to fetch this page")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        permanent = None  # whether every redirect so far was permanent; None before the first
        for _ in range(self.policy.max_redirects + 1):
            response = self._get_with_retries(url, headers)
            if response.status >= 400:
                phrase = httpx.codes.get_reason_phrase(response.status)
                raise FetchError(url, f"HTTP {response.status} {phrase}", response.status)
            if response.status not in REDIRECT_STATUSES:
                return replace(response, moved_to=url) if permanent else response
            location = response.headers.get("location")
            if not location:
                raise FetchError(url, f"HTTP {response.status} redirect without a Location", response.status)
            permanent = permanent is not False and response.status in PERMANENT_REDIRECTS
            url = urljoin(url, location)
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects")

    def _get_with_retries(self, url: str, headers: dict[str, str]) -> Response:
        policy = self.policy
        for attempt in range(policy.retries + 1):
            last_try = attempt == policy.retries
            try:
                response = self._get_once(url, headers)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                # A server that did not answer in time is not asked again in this run.
                if last_try or isinstance(error, httpx.TimeoutException):
                    raise FetchError(url, _transport_reason(error, policy)) from None
                self._sleep_backoff(attempt, None)
                continue
            if response.status not in RETRY_STATUSES:
                return response
            wait = retry_after_seconds(response.headers.get("retry-after"))
            if last_try or (wait is not None and wait > policy.max_retry_after):
                raise FetchError(url, _status_reason(response, attempt + 1, wait), response.status)
            self._sleep_backoff(attempt, wait)
        raise AssertionError("unreachable")

    def _sleep_backoff(self, attempt: int, retry_after: float | None) -> None:
        base = self.policy.backoff * 2**attempt
        time.sleep(retry_after if retry_after is not None else base + random.uniform(0, self.policy.backoff))

    def _get_once(self, url: str, headers: dict[str, str]) -> Response:
        check_address(url, self.policy.allow_private_networks)
        host = urlsplit(url).hostname or ""
        with self._gate.hold(host):
            self._gate.wait_turn(host)
            try:
                return self._stream(url, headers)
            except NotPublic as refused:  # vetted again as the connection opened
                raise AddressRefused(url, str(refused)) from None
            finally:
                self._gate.done(host)

    def _stream(self, url: str, headers: dict[str, str]) -> Response:
        deadline = time.monotonic() + self.policy.total_timeout
        with self._client.stream("GET", url, headers=headers) as raw:
            declared = raw.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.policy.max_bytes:
                raise FetchError(url, f"response is larger than {self.policy.max_bytes:,} bytes", raw.status_code)
            body = bytearray()
            for chunk in raw.iter_bytes():
                body += chunk
                if len(body) > self.policy.max_bytes:
                    raise FetchError(url, f"response is larger than {self.policy.max_bytes:,} bytes", raw.status_code)
                if time.monotonic() > deadline:
                    raise FetchError(url, f"response took longer than {self.policy.total_timeout:g} s", raw.status_code)
            return Response(str(raw.url), raw.status_code, {k.lower(): v for k, v in raw.headers.items()}, bytes(body))

    # robots.txt

    def robots_allow(self, url: str) -> bool:
        """Whether the site's robots.txt lets newsweave fetch ``url`` (RFC 9309; cached per site)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:
            parser = self._robots.get(origin)
        if parser is None:
            parser = self._fetch_robots(origin)
            with self._robots_lock:
                self._robots[origin] = parser
        return parser.can_fetch(ROBOTS_AGENT, url)

    def _fetch_robots(self, origin: str) -> RobotFileParser:
        parser = RobotFileParser(origin + "/robots.txt")
        try:
            response = self.get(origin + "/robots.txt")
        except AddressRefused:
            raise
        except FetchError as error:
            if error.status is not None and 400 <= error.status < 500:
                parser.parse([])  # no robots.txt: everything is allowed
            else:
                parser.parse(["User-agent: *", "Disallow: /"])  # unreachable: nothing is allowed for now
            return parser
        parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
        return parser


# ---- a service the user configured ------------------------------------------------------------------------


def post_json(url: str, payload: dict, *, headers: dict[str, str] | None = None, timeout: float = 120.0,
              max_bytes: int = 4 * 1024 * 1024, transport: httpx.BaseTransport | None = None) -> dict:
    """POST ``payload`` as JSON to a service the user configured (a language model's API) and return its JSON
    answer. Such a URL is the user's own choice, not something read from a feed, so a loopback or private host
    (a model served on this machine or the intranet) is allowed; only http and https are. One attempt, no
    redirects; ``timeout`` seconds for each wait for data and, checked as it arrives, for the whole answer (so
    at worst about twice that). Raises FetchError, with a reason, on a failed connection, an HTTP
    error (a redirect included), an answer over ``max_bytes`` or one that is not a JSON object; its message
    shows the URL without credentials or query, which may hold a key."""
    shown = _without_secrets(url)
    try:
        check_address(url, allow_private=True)
    except (FetchError, ValueError):
        raise FetchError(shown, "only absolute http and https URLs can be used") from None
    deadline = time.monotonic() + timeout
    limits = httpx.Timeout(timeout, connect=min(timeout, 10.0))
    try:
        with httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=limits, transport=transport) as client, \
                client.stream("POST", url, json=payload, headers=headers or {}) as raw:
            body = bytearray()
            for chunk in raw.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(shown, f"answer is larger than {max_bytes:,} bytes", raw.status_code)
                if time.monotonic() > deadline:
                    raise FetchError(shown, f"answer took longer than {timeout:g} s", raw.status_code)
            status = raw.status_code
    except httpx.TimeoutException:
        raise FetchError(shown, f"no answer within {timeout:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as error:  # connection, protocol, a body that does not decode
        raise FetchError(shown, f"request failed ({error or type(error).__name__})") from None
    if status >= 300:
        detail = bytes(body[:200]).decode("utf-8", errors="replace").strip()
        raise FetchError(shown, f"HTTP {status} {httpx.codes.get_reason_phrase(status)}: {detail}", status)
    try:
        answer = json.loads(bytes(body))
    except (ValueError, RecursionError):
        raise FetchError(shown, "the answer is not JSON", status) from None
    if not isinstance(answer, dict):
        raise FetchError(shown, "the answer is not a JSON object", status)
    return answer


def _without_secrets(url: str) -> str:
    """``url`` without user, password and query, for messages."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        return parts._replace(netloc=netloc + (f":{parts.port}" if parts.port else ""), query="", fragment="").geturl()
    except ValueError:
        return "(an unreadable URL)"


def _transport_reason(error: Exception, policy: FetchPolicy) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return f"no connection within {policy.connect_timeout:g} s"
    if isinstance(error, httpx.TimeoutException):
        return f"no answer within {policy.read_timeout:g} s"
    return f"connection failed ({error or type(error).__name__})"


def _status_reason(response: Response, attempts: int, retry_after: float | None) -> str:
    phrase = httpx.codes.get_reason_phrase(response.status)
    if retry_after is not None:
        return f"HTTP {response.status} {phrase}; the server asks to wait {retry_after:g} s"
    return f"HTTP {response.status} {phrase} after {attempts} attempts"
