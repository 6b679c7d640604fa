"""newsweave's exceptions, in one place.

    NewsweaveError                 anything newsweave reports to a user (the CLI prints it, exit 2)
    ├── InvalidRecord              one input record is unusable; the batch goes on without it
    ├── StoreError                 the database cannot be used as asked
    │   └── MigrationError         the schema cannot be brought up to date
    └── SettingError               a setting has a value newsweave cannot use

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
