"""``/openapi.json``: the OpenAPI 3.1 description of the JSON twins and the Atom feed.

Written out by hand (the app has few routes, and the Brief's schema is FORMATS.md §3); a test checks
that every JSON route of the app is described here.
"""

from __future__ import annotations

from typing import Any

from newsweave import __version__


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


_TEXT, _INT = {"type": "string"}, {"type": "integer"}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_MAYBE = {"type": ["string", "null"]}
_MARKED = _object({"text": _TEXT, "matches": _array(_array(_INT))})
_PAGE = {"page": _INT, "previous": _MAYBE, "next": _MAYBE}

SCHEMAS: dict[str, Any] = {
    "Citation": _object({"article": _TEXT, "start": _INT, "end": _INT, "quote": _TEXT}),
    "Claim": _object({"text": _TEXT, "citations": _array(_ref("Citation")), "outlets": _array(_TEXT),
                      "single_source": {"type": "boolean"}}),
    "Quote": _object({"text": _TEXT, "speaker": _MAYBE, "citations": _array(_ref("Citation"))}),
    "Disagreement": _object({"topic": _TEXT, "claims": _array(_ref("Claim"))}),
    "TimelineEntry": _object({"time": {"type": "string", "format": "date-time"}, "text": _TEXT,
                              "citations": _array(_ref("Citation"))}),
    "Source": _object({"article": _TEXT, "title": _TEXT, "url": _MAYBE, "source": _MAYBE, "published": _TIME}),
    "Coverage": _object({"articles": _INT, "outlets": _INT, "first_seen": _TIME, "last_updated": _TIME}),
    "Brief": _object({
        "story": _TEXT, "headline": _TEXT, "headline_from": _MAYBE, "summary": _array(_ref("Claim")),
        "key_facts": _array(_ref("Claim")), "quotes": _array(_ref("Quote")), "background": _array(_ref("Claim")),
        "disagreements": _array(_ref("Disagreement")), "timeline": _array(_ref("TimelineEntry")),
        "sources": _array(_ref("Source")), "coverage": _ref("Coverage"), "engine": _TEXT,
    }),
    "StoryCard": _object({"story": _TEXT, "headline": _TEXT, "summary": _TEXT, "outlets": _array(_TEXT),
                          "outlet_count": _INT, "articles": _INT, "first_seen": _TIME, "last_updated": _TIME,
                          "url": _TEXT, "json": _TEXT}),
    "FrontPage": _object({"filters": _object({"day": _MAYBE, "outlet": _MAYBE}), **_PAGE,
                          "stories": _array(_ref("StoryCard"))}),
    "Outlet": _object({"name": _TEXT, "stories": _INT, "articles": _INT, "last_updated": _TIME, "url": _TEXT,
                       "json": _TEXT}),
    "Outlets": _object({"outlets": _array(_ref("Outlet"))}),
    "OutletPage": _object({"outlet": _ref("Outlet"), **_PAGE, "stories": _array(_ref("StoryCard")),
                           "missed": _array(_ref("StoryCard"))}),
    "SearchResults": _object({
        "query": _TEXT,
        "stories": _array(_object({"story": _TEXT, "headline": _MARKED, "snippet": _MARKED, "outlets": _INT,
                                   "last_updated": _TIME, "url": _TEXT})),
        "articles": _array(_object({"article": _TEXT, "title": _MARKED, "snippet": _MARKED, "source": _MAYBE,
                                    "published": _TIME, "url": _MAYBE, "story": _MAYBE, "story_url": _MAYBE})),
    }),
    "Error": _object({"error": _TEXT, "status": _INT}),
}


def _param(name: str, where: str, description: str, fmt: str | None = None) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": 1} if name == "page" else {"type": "string"}
    if fmt:
        schema["format"] = fmt
    return {"name": name, "in": where, "required": where == "path", "description": description, "schema": schema}


_DAY = _param("day", "query", "Only stories covered on this UTC day (YYYY-MM-DD).", "date")
_OUTLET = _param("outlet", "query", "Only stories this outlet covered (its name as the sources give it).")
_PAGE_NUMBER = _param("page", "query", "Page number, 20 stories a page.")


def _get(summary: str, schema: str, parameters: list | None = None, media: str = "application/json") -> dict:
    ok = {"description": summary, "content": {media: {"schema": _ref(schema)} if schema else {}}}
    error = {"description": "Bad parameter or not found", "content": {"application/json": {"schema": _ref("Error")}}}
    return {"get": {"summary": summary, "parameters": parameters or [],
                    "responses": {"200": ok, "400": error, "404": error}}}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "newsweave reader", "version": __version__,
                 "description": "Every HTML page has a JSON twin at the same path with .json."},
        "paths": {
            "/index.json": _get("Stories ranked by day, breadth of coverage and recency", "FrontPage",
                                [_DAY, _OUTLET, _PAGE_NUMBER]),
            "/stories/{story_id}.json": _get("A story's brief (FORMATS.md §3); a merged or regrouped story's old id "
                                             "answers with its successor's, whose `story` is the id to use", "Brief",
                                             [_param("story_id", "path", "The story's id")]),
            "/outlets.json": _get("Every outlet the briefs cite", "Outlets"),
            "/outlets/{name}.json": _get("What one outlet covered, and widely covered stories it did not",
                                         "OutletPage", [_param("name", "path", "The outlet's name, URL-encoded"),
                                                        _DAY, _PAGE_NUMBER]),
            "/search.json": _get("Stories and articles matching every word of q, matches marked", "SearchResults",
                                 [_param("q", "query", "Words to search for")]),
            "/feed.atom": _get("Atom feed of the 50 most recently updated stories, each with its brief", "",
                               media="application/atom+xml"),
        },
        "components": {"schemas": SCHEMAS},
    }
