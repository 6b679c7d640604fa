-- Articles, stories, briefs and feeds, with a full-text index over articles.
-- Migrations are append-only: never edit a file once it has landed; add the next one.

CREATE TABLE articles (
    rowid         INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    url           TEXT,
    canonical_url TEXT,
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    source        TEXT,
    published     TEXT,             -- ISO 8601 with zone
    language      TEXT,
    author        TEXT,
    label         TEXT,             -- gold story label of evaluation data ("story" in the JSONL)
    extra         TEXT,             -- JSON object of fields the format does not define
    content_hash  TEXT NOT NULL,
    ingested_at   TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX articles_canonical_url ON articles (canonical_url);
CREATE INDEX articles_published ON articles (published);
CREATE INDEX articles_source ON articles (source);

CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, text,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;

CREATE TABLE stories (
    rowid        INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dormant', 'merged')),
    merged_into  TEXT REFERENCES stories (id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- Each article belongs to at most one story.
CREATE TABLE story_articles (
    article_id  TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    story_id    TEXT NOT NULL REFERENCES stories (id),
    attached_at TEXT NOT NULL
);
CREATE INDEX story_articles_story ON story_articles (story_id);

CREATE TABLE briefs (
    story_id    TEXT PRIMARY KEY REFERENCES stories (id),
    engine      TEXT NOT NULL,
    brief       TEXT NOT NULL,      -- the Brief of FORMATS.md §3 as JSON
    written_at  TEXT NOT NULL
);

CREATE TABLE feeds (
    rowid     INTEGER PRIMARY KEY,
    url       TEXT NOT NULL UNIQUE,
    name      TEXT,
    added_at  TEXT NOT NULL
);
