"""The audit page (``/audit``) and the audit report as one self-contained HTML page.

Owns: the GET/POST handler where a user pastes a text and picks a story (or lists source URLs already
stored) and sees each sentence highlighted by verdict with its evidence beside it; and
``render_audit_html``, the standalone page ``newsweave audit --format html`` writes (inline CSS, loads
nothing). Every text is escaped by the templates' autoescaping. The POST body is capped at
``MAX_BODY`` bytes and read as a URL-encoded form; the page is read-only, so it needs no CSRF token.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from newsweave.models import Article
from newsweave.pipeline import store_embedder
from newsweave.stages.audit import AuditReport, audit
from newsweave.store import Store
from newsweave.web.rendering import render

MAX_BODY = 256 * 1024
MAX_FIELDS = 10
MAX_TEXT = 100_000
MAX_URLS = 50
STORY_CHOICES = 100
CSS = (Path(__file__).parent / "static" / "audit.css").read_text(encoding="utf-8")


def titles_of(articles: Sequence[Article]) -> dict[str, str]:
    """How the report names each source: outlet and title."""
    return {a.id: " · ".join(part for part in (a.source, a.title) if part) or a.id for a in articles}


def render_audit_html(report: AuditReport) -> str:
    """The report as one self-contained HTML page (inline CSS, nothing loaded)."""
    return render("audit_standalone.html", report=report, titles=titles_of(report.sources), css=CSS)


async def _form(request: Request) -> dict[str, str]:
    """The POSTed URL-encoded form, refused with 413 beyond ``MAX_BODY`` bytes."""
    declared = request.headers.get("content-length")
    if declared and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise HTTPException(413, f"The form is larger than {MAX_BODY // 1024} KiB; send a shorter text.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HTTPException(413, f"The form is larger than {MAX_BODY // 1024} KiB; send a shorter text.")
    try:
        fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=MAX_FIELDS)
    except ValueError:
        raise HTTPException(400, f"The form has more than {MAX_FIELDS} fields; send text, story and urls.") from None
    return {key: values[0] for key, values in fields.items()}


def _sources(store: Store, story: str, urls: str) -> tuple[list[Article], str | None]:
    """The articles to audit against, or an error message saying what to give instead."""
    if story:
        articles = store.story_articles(story)
        return (articles, None) if articles else ([], "No stored story has this id.")
    wanted = [line.strip() for line in urls.splitlines() if line.strip()][:MAX_URLS]
    found = [article for url in wanted if (article := store.find_article_by_url(url)) is not None]
    if not wanted:
        return [], "Pick a story, or give the URLs of stored articles."
    missing = len(wanted) - len(found)
    return found, (f"{missing} of the URLs are not stored articles." if missing and not found else None)


def _run(store: Store, form: dict[str, str]) -> dict:
    text = form.get("text", "")[:MAX_TEXT]
    story, urls = form.get("story", "").strip(), form.get("urls", "")
    context = {"form_text": text, "form_story": story, "form_urls": urls, "report": None, "error": None,
               "titles": {}}
    if not text.strip():
        return {**context, "error": "Paste the text to check."}
    articles, error = _sources(store, story, urls)
    if error or not articles:
        return {**context, "error": error or "No source found."}
    report = audit(text, articles, store_embedder(store))
    return {**context, "report": report, "titles": titles_of(articles)}


async def audit_page(request: Request) -> Response:
    store: Store = request.app.state.store
    empty = {"form_text": "", "form_story": "", "form_urls": "", "report": None, "error": None, "titles": {}}
    context = await run_in_threadpool(_run, store, await _form(request)) if request.method == "POST" else empty
    stories = await run_in_threadpool(store.reader_stories, limit=STORY_CHOICES, order="recent")
    page = render("audit.html", stories=[{"id": b.story, "headline": b.headline} for b in stories],
                  max_text=MAX_TEXT, request_path=request.url.path, **context)
    return HTMLResponse(page, status_code=400 if context["error"] else 200)
