"""De-duplication: one canonical form per URL, one digest per content.

Owns ``canonical_url`` (tracking parameters, fragments, default ports and credentials removed,
so that two links to one page compare equal) and ``content_digest`` (exact duplicates). The
near-duplicate check for syndicated copies comes with the feeds stage.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that identify a click, not a page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "twclid",
        "mc_cid", "mc_eid", "_ga", "_gl", "ocid", "cmpid", "ref_src", "ref_url", "smid",
        "mbid", "s_cid", "wt.mc_id", "__twitter_impression",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "hsa_", "oly_")
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The canonical form of an http(s) URL.

    Raises ValueError when ``url`` is not an absolute http or https URL with a host.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    host = parts.hostname.rstrip(".")
    port = parts.port  # raises ValueError for a port that is not a number
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    query = urlencode(sorted(params))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def content_digest(title: str, text: str) -> str:
    """A digest of an article's words, equal for exact duplicates whatever their URL."""
    return hashlib.sha256(f"{title}\n\n{text}".encode()).hexdigest()
