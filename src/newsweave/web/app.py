"""The ASGI app: routes, one short handler per page (parse, call one store query, render), JSON twins,
security headers on every response.

Every page has a JSON twin at the same address with ``.json`` (the front page's is ``/index.json``);
``/stories/ID.json`` is exactly the stored Brief (FORMATS.md §3).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsweave.store import Store, open_store
from newsweave.web import views
from newsweave.web.atom import render_feed
from newsweave.web.audit import audit_page
from newsweave.web.openapi import openapi_document
from newsweave.web.rendering import render
from newsweave.web.urls import outlet_url, story_url

STATIC = Path(__file__).parent / "static"
FEED_ENTRIES = 50
SEARCH_LIMIT = 20

#: No inline script or style, nothing from another origin, no framing, forms only to this site.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
    " form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "interest-cohort=()",
}


class SecurityHeaders:
    """Adds the security headers to every HTTP response (pages, JSON, static files, errors)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


def _store(request: Request) -> Store:
    return request.app.state.store


def _wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json")


def _respond(request: Request, page, status_code: int = 200) -> Response:
    if _wants_json(request):
        return JSONResponse(page.to_json(), status_code=status_code)
    return HTMLResponse(render(page.template, page=page, request_path=request.url.path), status_code=status_code)


def front_page(request: Request) -> Response:
    query = views.ListQuery.parse(request.query_params)
    store = _store(request)
    briefs = store.reader_stories(query.since, query.until, query.outlet, views.PAGE_SIZE + 1, query.offset)
    pager = views.Pager.of(query, "/", has_next=len(briefs) > views.PAGE_SIZE)
    outlets = store.list_outlets() if not _wants_json(request) else []
    return _respond(request, views.FrontPage(query, views.cards(briefs[: views.PAGE_SIZE]), pager, outlets))


def story_page(request: Request) -> Response:
    brief = _store(request).get_brief(request.path_params["story_id"])
    if brief is None:
        raise HTTPException(404, "No such story. It may have been removed; the front page lists the stories.")
    if brief.story != request.path_params["story_id"] and not _wants_json(request):
        # a merged or regrouped story's old id: the reader moves on to its successor's page (a script reading
        # the JSON twin gets the successor's brief as it is, its "story" naming the id to use from now on)
        return RedirectResponse(story_url(brief.story), status_code=301)
    return _respond(request, views.StoryPage(brief))


def outlets_page(request: Request) -> Response:
    return _respond(request, views.OutletsPage(_store(request).list_outlets()))


def outlet_page(request: Request) -> Response:
    name = request.path_params["name"].removesuffix(".json")
    store = _store(request)
    outlet = next((o for o in store.list_outlets() if o.name == name), None)
    if outlet is None:
        raise HTTPException(404, "No stored brief cites this outlet; the outlets page lists those that are.")
    query = views.ListQuery.parse(request.query_params, outlet=name)
    briefs = store.reader_stories(query.since, query.until, name, views.PAGE_SIZE + 1, query.offset)
    pager = views.Pager.of(query, outlet_url(name), len(briefs) > views.PAGE_SIZE, with_outlet=False)
    missed = views.cards(store.stories_missed_by(name)) if query.page == 1 else []
    return _respond(request, views.OutletPage(outlet, query, views.cards(briefs[: views.PAGE_SIZE]), missed, pager))


def search_page(request: Request) -> Response:
    text = (request.query_params.get("q") or "").strip()[:200]
    store = _store(request)
    stories = store.search_stories(text, SEARCH_LIMIT) if text else []
    articles = store.search_article_hits(text, SEARCH_LIMIT) if text else []
    return _respond(request, views.SearchPage(text, stories, articles))


def atom_feed(request: Request) -> Response:
    briefs = _store(request).reader_stories(limit=FEED_ENTRIES, order="recent")
    body = render_feed(briefs, base_url=str(request.base_url))
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


def _error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 400
    message = exc.detail if isinstance(exc, HTTPException) else str(exc)
    if _wants_json(request):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    return HTMLResponse(render("error.html", status=status, message=message, request_path=request.url.path),
                        status_code=status)


ROUTES = [
    Route("/", front_page, name="front"),
    Route("/index.json", front_page, name="front_json"),
    Route("/stories/{story_id}.json", story_page, name="story_json"),
    Route("/stories/{story_id}", story_page, name="story"),
    Route("/outlets", outlets_page, name="outlets"),
    Route("/outlets.json", outlets_page, name="outlets_json"),
    Route("/outlets/{name:path}", outlet_page, name="outlet"),
    Route("/search", search_page, name="search"),
    Route("/search.json", search_page, name="search_json"),
    Route("/feed.atom", atom_feed, name="feed"),
    Route("/openapi.json", openapi, name="openapi"),
    Route("/audit", audit_page, methods=["GET", "POST"], name="audit"),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


def create_app(store: Store | str | Path) -> Starlette:
    """The reader app over a store, or over the database at a path (opened now, closed at shutdown).

    Serve it with ``uvicorn.run(create_app(path), host="127.0.0.1", port=8000)``.
    """
    owned = not hasattr(store, "reader_stories")
    opened: Store = open_store(store) if owned else store

    @asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        if owned:
            opened.close()

    app = Starlette(routes=ROUTES, lifespan=lifespan,
                    exception_handlers={HTTPException: _error, views.BadRequest: _error})
    app.state.store = opened
    app.add_middleware(SecurityHeaders)
    return app
