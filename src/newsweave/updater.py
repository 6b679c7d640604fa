"""Following feeds: refresh one feed, update every due feed. Called by the CLI and the scheduler alike.

One refresh: a conditional GET of the feed (a 304 costs nothing); the items whose links are
not yet known; their pages, fetched politely and extracted (a page that fails or is a paywall
teaser leaves the feed's own summary, marked partial); exact and near-duplicate copies linked
to the report they copy; the new articles stored through ``pipeline.ingest_articles``, the same
path as ``newsweave ingest``. Every failure is recorded against its feed with a reason, and one
broken feed or page never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from urllib.parse import urlsplit

from newsweave.errors import FetchError, InvalidRecord
from newsweave.http import Fetcher, Response
from newsweave.models import Article, Feed
from newsweave.opml import parse_opml
from newsweave.pipeline import IngestCounts, StoryChanges, ingest_articles, settle_stories
from newsweave.stages.dedupe import canonical_url, is_copy
from newsweave.stages.embed import Embedder
from newsweave.stages.extract import Page, extract_page
from newsweave.stages.feeds import FeedItem, NotAFeed, ParsedFeed, feed_links, parse_feed
from newsweave.stages.ingest import article_from_record
from newsweave.stages.language_model import ChatModel
from newsweave.store import Store

log = logging.getLogger(__name__)

BASE_INTERVAL = 15 * 60
MAX_QUIET_INTERVAL = 4 * 3600
MAX_ERROR_BACKOFF = 6 * 3600


@dataclass(slots=True)
class FeedOutcome:
    feed: Feed
    error: str | None = None
    counts: IngestCounts = field(default_factory=IngestCounts)
    not_modified: bool = False
    problems: list[str] = field(default_factory=list)
    """Page-level problems (a page that 404s, hangs or is refused); the feed itself may be fine."""
    warning: str | None = None
    """What was wrong with a feed whose items were read all the same (malformed XML)."""
    moved_from: str | None = None
    """The URL followed until now, when this poll found the feed elsewhere for good (``moved_why``)."""
    moved_why: str = ""
    """"moved permanently" (301, 308) or "a page naming its feed" (``feed_links``)."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class UpdateReport:
    outcomes: list[FeedOutcome] = field(default_factory=list)
    stories: StoryChanges = field(default_factory=StoryChanges)

    @property
    def feeds_ok(self) -> int:
        return sum(o.ok for o in self.outcomes)

    @property
    def feeds_failed(self) -> int:
        return len(self.outcomes) - self.feeds_ok

    @property
    def articles_new(self) -> int:
        return sum(o.counts.new for o in self.outcomes)

    @property
    def feeds_unchanged(self) -> int:
        return sum(o.not_modified for o in self.outcomes)

    def summary(self) -> str:
        return (f"{self.feeds_ok} feeds ok ({self.feeds_unchanged} unchanged), {self.feeds_failed} failed, "
                f"{self.articles_new} new articles, {len(self.stories.new)} new stories, "
                f"{len(self.stories.updated)} updated")


def _failed(store: Store, feed: Feed, now: datetime, error: str) -> Feed:
    """Record a failure; the next try waits twice as long after each failure in a row."""
    errors = feed.error_count + 1
    wait = min(BASE_INTERVAL * 2 ** (errors - 1), MAX_ERROR_BACKOFF)
    state = replace(feed, last_checked=now, last_error=error, error_count=errors,
                    next_check=now + timedelta(seconds=wait))
    store.save_feed_state(state)
    return state


def _succeeded(store: Store, feed: Feed, now: datetime, new: int, response: Response,
               warning: str | None = None) -> Feed:
    """Record a success (with the ``warning`` of a feed read despite a fault as its last error, and no error
    in a row); a feed with nothing new is polled less and less often."""
    interval = BASE_INTERVAL if new else min(int(feed.interval_seconds * 1.5), MAX_QUIET_INTERVAL)
    state = replace(
        feed, last_checked=now, last_success=now, last_error=warning, error_count=0, interval_seconds=interval,
        next_check=now + timedelta(seconds=interval), etag=response.etag or feed.etag,
        last_modified=response.last_modified or feed.last_modified,
    )
    store.save_feed_state(state)
    return state


def _fetch_page(fetcher: Fetcher, link: str, problems: list[str]) -> Page | None:
    try:
        response = fetcher.get(link, obey_robots=True)
    except FetchError as error:
        problems.append(str(error))
        log.info("page skipped, keeping the feed's summary: %s", error)
        return None
    return extract_page(response.body, response.url)


def _outlet(feed: Feed, feed_title: str | None) -> str:
    return feed.name or feed_title or urlsplit(feed.url).hostname or feed.url


def _article(item: FeedItem, page: Page | None, outlet: str) -> Article:
    whole = page is not None and page.partial is None
    text = page.text if whole else max(page.text if page else "", item.summary, key=len)
    record = {
        "url": (page.url if page else None) or item.link,
        "title": (page.title if page else None) or item.title,
        "text": text,
        "source": outlet,
        "published": ((page.published if page else None) or item.published or None),
        "author": (page.author if page else None) or item.author,
        "language": page.language if page else None,
        "partial": not whole,
    }
    record["published"] = record["published"].isoformat() if record["published"] else None
    return article_from_record({k: v for k, v in record.items() if v is not None})


def _stored_version(store: Store, article: Article, same_title: list[Article]) -> Article | None:
    """The stored article that is this one: same URL, or same title where one is a teaser of the other."""
    if article.url and (stored := store.find_article_by_url(article.url)):
        return stored
    for stored in same_title:
        if (stored.partial or article.partial) and stored.text and article.text:
            shorter, longer = sorted((stored.text, article.text), key=len)
            if longer.startswith(shorter[:200]):
                return stored
    return None


def _with_original(store: Store, article: Article, same_title: list[Article]) -> Article:
    """The article, linked to the stored report it copies exactly or nearly (a syndicated copy), if any."""
    for stored in same_title:
        if stored.id != article.id and stored.text == article.text:
            return replace(article, duplicate_of=stored.duplicate_of or stored.id)
    for candidate in store.near_duplicate_candidates(article.text):
        if candidate.id != article.id and is_copy(candidate.text, article.text):
            return replace(article, duplicate_of=candidate.duplicate_of or candidate.id)
    return article


def _new_articles(store: Store, fetcher: Fetcher, feed: Feed, parsed: ParsedFeed,
                  problems: list[str]) -> tuple[list[Article], dict[str, str]]:
    """The feed's articles not stored yet, and each fetched link with the article it led to."""
    articles: dict[str, Article] = {}
    links: dict[str, str] = {}
    for item in parsed.items:
        if not item.link or store.is_known(item.link) or item.link in links:
            continue
        try:
            article = _article(item, _fetch_page(fetcher, item.link, problems), _outlet(feed, parsed.title))
        except (InvalidRecord, ValueError) as error:
            problems.append(f"{item.link}: skipped: {error}")
            continue
        same_title = store.find_by_title(article.title)
        stored = _stored_version(store, article, same_title)
        if stored is not None and stored.partial and not article.partial:
            article, stored = replace(article, id=stored.id), None  # the whole article replaces a teaser
        if stored is None and article.id not in articles:
            articles[article.id] = _with_original(store, article, same_title)
        links[item.link] = stored.id if stored else article.id
    return list(articles.values()), links


def refresh_feed(store: Store, fetcher: Fetcher, feed: Feed, now: datetime | None = None) -> FeedOutcome:
    """Poll one feed once and store what is new in it."""
    now = now or datetime.now(UTC)
    try:
        response = fetcher.get(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if response.not_modified:  # the content last read, so the fault it was read despite, if any, stands
            warning = feed.last_error if feed.error_count == 0 else None
            return FeedOutcome(_succeeded(store, feed, now, 0, response, warning), not_modified=True)
        followed = feed.url
        feed, response, parsed, why = _read_feed(store, fetcher, feed, response)
    except (FetchError, NotAFeed) as error:
        reason = error.reason if isinstance(error, FetchError) else str(error)
        log.info("feed failed: %s: %s", feed.url, reason)
        return FeedOutcome(_failed(store, feed, now, reason), error=reason)
    outcome = FeedOutcome(feed, moved_from=followed if why else None, moved_why=why)
    articles, links = _new_articles(store, fetcher, feed, parsed, outcome.problems)
    outcome.counts = ingest_articles(store, articles, feed_url=feed.url)
    for link, article_id in links.items():
        store.add_link(link, article_id)
    if parsed.problem and not parsed.items:
        outcome.error = parsed.problem
        outcome.feed = _failed(store, feed, now, parsed.problem)
    else:  # a feed whose items could be read is polled as usual, its fault kept beside it
        outcome.warning = parsed.problem
        outcome.feed = _succeeded(store, feed, now, outcome.counts.new, response, parsed.problem)
    return outcome


def _read_feed(store: Store, fetcher: Fetcher, feed: Feed,
               response: Response) -> tuple[Feed, Response, ParsedFeed, str]:
    """The feed ``response`` holds, with why it is now followed at another URL ("" when it is not). When the
    feed moved permanently (301, 308), or the response is an HTML page that names its feed (a site's front page),
    the new URL is followed from now on in place of the old (``Store.move_feed``). NotAFeed when it is no feed
    and names none that reads."""
    why = "moved permanently" if response.moved_to and response.moved_to != feed.url else ""
    try:
        parsed = parse_feed(response.body, response.headers.get("content-type"), response.url)
    except NotAFeed as error:
        named = next(iter(feed_links(response.body, response.url)), None)
        if named is None or named == feed.url:
            raise
        try:
            response = fetcher.get(named)
            parsed = parse_feed(response.body, response.headers.get("content-type"), response.url)
        except (FetchError, NotAFeed) as failure:
            reason = failure.reason if isinstance(failure, FetchError) else str(failure)
            raise NotAFeed(f"{error}; the feed it names, {named}, failed: {reason}") from None
        why = "a page naming its feed"
        response = replace(response, moved_to=response.moved_to or named)
    if not why:
        return feed, response, parsed, ""
    store.move_feed(feed.url, response.moved_to)
    log.info("feed moved: %s: %s; now %s", feed.url, why, response.moved_to)
    return replace(feed, url=response.moved_to, etag=None, last_modified=None), response, parsed, why


def _refresh_guarded(store: Store, fetcher: Fetcher, feed: Feed, now: datetime) -> FeedOutcome:
    """refresh_feed, with a bug in one feed's handling recorded against it instead of ending the run."""
    try:
        return refresh_feed(store, fetcher, feed, now)
    except Exception as error:  # noqa: BLE001 - the run goes on; the traceback is logged
        log.exception("feed %s: unexpected error", feed.url)
        reason = f"internal error ({type(error).__name__}: {error})"
        return FeedOutcome(_failed(store, feed, now, reason), error=reason)


def update(store: Store, fetcher: Fetcher, now: datetime | None = None, workers: int = 8,
           on_feed: Callable[[FeedOutcome], None] | None = None, everything: bool = False,
           embedder: Embedder | None = None, model: ChatModel | None = None) -> UpdateReport:
    """Refresh every due feed (every feed with ``everything``) once, several hosts at a time, then
    put the new articles into stories and rewrite the briefs of the stories that changed.

    ``on_feed`` hears of each feed as it ends. Without ``embedder``, stories are left for later; with
    ``model``, a language model writes their briefs (``settle_stories``).
    """
    now = now or datetime.now(UTC)
    report = UpdateReport()
    feeds = store.list_feeds() if everything else store.due_feeds(now)
    if not feeds:
        return report
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(feeds)))) as pool:
        for outcome in pool.map(lambda feed: _refresh_guarded(store, fetcher, feed, now), feeds):
            report.outcomes.append(outcome)
            if on_feed:
                on_feed(outcome)
    if embedder is not None:
        report.stories = settle_stories(store, embedder, model)
    return report


def add_feed(store: Store, url: str, name: str | None = None) -> bool:
    """Follow a feed; False when it was already followed. Raises InvalidRecord for a URL that is not http(s)."""
    try:
        canonical_url(url)
    except ValueError:
        raise InvalidRecord(f"not an absolute http(s) URL: {url!r}") from None
    return store.add_feed(Feed(url=url.strip(), name=name))


@dataclass(frozen=True, slots=True)
class FeedImport:
    """What following a list of feeds did: how many were added or already followed, and why others were not."""

    added: int
    known: int
    skipped: tuple[str, ...]


def import_feeds(store: Store, feeds: list[Feed]) -> FeedImport:
    """Follow every feed of a list (an OPML import). A feed whose URL cannot be followed is skipped with its
    reason; the others are followed all the same."""
    added = known = 0
    skipped = []
    for feed in feeds:
        try:
            if add_feed(store, feed.url, feed.name):
                added += 1
            else:
                known += 1
        except InvalidRecord as invalid:
            skipped.append(invalid.reason)
    return FeedImport(added, known, tuple(skipped))


def default_feeds() -> list[Feed]:
    """The curated list of public world-news feeds shipped with newsweave."""
    return parse_opml((resources.files("newsweave") / "data" / "default-feeds.opml").read_bytes())
