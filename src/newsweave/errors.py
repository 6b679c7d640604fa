"""newsweave's exceptions, in one place.

    NewsweaveError                 anything newsweave reports to a user (the CLI prints it, exit 2)
    ├── InvalidRecord              one input record is unusable; the batch goes on without it
    ├── StoreError                 the database cannot be used as asked
    │   └── MigrationError         the schema cannot be brought up to date
    ├── SettingError               a setting has a value newsweave cannot use
    ├── AdapterError               a model adapter file cannot be applied to the model
    ├── ModelError                 a language model's service answered, but not in the form asked for
    └── FetchError                 a URL could not be fetched; ``reason`` says why in plain words
        ├── AddressRefused         the host is on a private, loopback or link-local network
        └── RobotsRefused          the site's robots.txt does not allow newsweave there

Messages say what was wrong, where, and what to do next.
"""


class NewsweaveError(Exception):
    """Base of every error newsweave reports to a user."""


class InvalidRecord(NewsweaveError):
    """An input record (a JSONL line, a feed item) cannot become an article.

    ``reason`` is the plain-words cause; callers add the location (file and line, URL).
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class StoreError(NewsweaveError):
    """The database cannot be opened or used."""


class MigrationError(StoreError):
    """The database schema cannot be brought up to date."""


class SettingError(NewsweaveError):
    """A setting has a value that cannot be used."""


class AdapterError(NewsweaveError):
    """A model adapter file cannot be applied (unreadable, or fitted for another model)."""


class ModelError(NewsweaveError):
    """A language model's reply cannot be used (no message, or not the JSON asked for). Its service being
    unreachable is a FetchError."""


class FetchError(NewsweaveError):
    """A URL could not be fetched. ``status`` is the last HTTP status seen, if any."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.status = url, reason, status


class AddressRefused(FetchError):
    """The URL's host resolves to an address newsweave does not fetch from by default."""


class RobotsRefused(FetchError):
    """The site's robots.txt disallows the URL for newsweave."""
