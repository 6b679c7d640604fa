"""De-duplication: one canonical form per URL, one report per syndicated copy.

Owns ``canonical_url`` (tracking parameters, fragments, default ports and credentials removed,
so that two links to one page compare equal) and the near-duplicate test for syndicated copies:
``lsh_buckets`` finds candidates by index lookup, ``is_copy`` confirms them on the texts.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

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
_NOT_IN_A_HOST = re.compile(r"[\s\x00-\x1f\x7f<>\"{}|\\^`%]")
"""Characters no host name holds (whitespace, controls, the URL standard's forbidden host code points)."""


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The canonical form of an http(s) URL.

    Raises ValueError when ``url`` is not an absolute http or https URL with a host.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or _NOT_IN_A_HOST.search(parts.hostname):
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    host = parts.hostname.rstrip(".")
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    port = parts.port  # raises ValueError for a port that is not a number
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    query = urlencode(sorted(params))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


# Near-duplicates: MinHash signatures (Broder 1997) over word 3-gram shingles, banded for
# locality-sensitive lookup, then confirmed on the texts themselves.

SIGNATURE_SIZE = 64
BANDS = 16
ROWS_PER_BAND = SIGNATURE_SIZE // BANDS
#: Texts shorter than this (in words) are too short to call copies of each other safely.
MIN_WORDS = 40
#: Share of the shorter text's shingles found in the longer one above which it is a copy.
COPY_CONTAINMENT = 0.8
_WORD = re.compile(r"\w+")
_MASKS = np.random.default_rng(20240229).integers(0, 2**63, size=SIGNATURE_SIZE, dtype=np.uint64)


def shingles(text: str, size: int = 3) -> set[str]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def _hashes(grams: set[str]) -> np.ndarray:
    digests = (hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest() for g in sorted(grams))
    return np.frombuffer(b"".join(digests), dtype=np.uint64)


def lsh_buckets(text: str) -> list[int] | None:
    """One bucket per band of the text's MinHash signature; texts that share a bucket are candidates.

    None for texts shorter than MIN_WORDS words.
    """
    grams = shingles(text)
    if len(grams) < MIN_WORDS:
        return None
    signature = (_hashes(grams)[:, None] ^ _MASKS[None, :]).min(axis=0)
    bands = signature.reshape(BANDS, ROWS_PER_BAND)
    return [int.from_bytes(hashlib.blake2b(band.tobytes(), digest_size=7).digest(), "big") for band in bands]


def containment(a: str, b: str) -> float:
    """Share of the shorter text's shingles that the other text also has."""
    first, second = shingles(a), shingles(b)
    smaller = min(len(first), len(second))
    return len(first & second) / smaller if smaller else 0.0


def is_copy(a: str, b: str) -> bool:
    """Whether two bodies are one report (a syndicated copy, perhaps trimmed or lightly edited)."""
    return containment(a, b) >= COPY_CONTAINMENT
