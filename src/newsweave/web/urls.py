"""The reader's addresses of a story and an outlet, page and JSON twin; ids and names are URL-encoded."""

from __future__ import annotations

from urllib.parse import quote


def story_url(story_id: str, suffix: str = "") -> str:
    return f"/stories/{quote(story_id, safe='')}{suffix}"


def outlet_url(name: str, suffix: str = "") -> str:
    return f"/outlets/{quote(name, safe='')}{suffix}"
