-- The reader's index over briefs: one row per brief with what the front page ranks and filters by,
-- the outlets each brief cites, and a full-text index over headlines and summaries. Triggers on
-- briefs keep all three in step with every brief written or rewritten, so no writer can forget them.
-- Times are UTC, written 'YYYY-MM-DDTHH:MM:SSZ', so that text order is time order.

CREATE TABLE reader_stories (
    rowid        INTEGER PRIMARY KEY,
    story_id     TEXT NOT NULL UNIQUE,
    headline     TEXT NOT NULL,
    summary      TEXT NOT NULL,     -- the summary's claims, joined
    articles     INTEGER NOT NULL,
    outlets      INTEGER NOT NULL,
    first_seen   TEXT NOT NULL,     -- coverage.first_seen, else last_updated
    last_updated TEXT NOT NULL,     -- coverage.last_updated, else when the brief was written
    day          TEXT NOT NULL      -- the UTC date of last_updated
);
CREATE INDEX reader_stories_rank ON reader_stories (day DESC, outlets DESC, last_updated DESC);
CREATE INDEX reader_stories_recent ON reader_stories (last_updated DESC);

CREATE TABLE reader_outlets (
    outlet   TEXT NOT NULL,
    story_id TEXT NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (outlet, story_id)
) WITHOUT ROWID;
CREATE INDEX reader_outlets_story ON reader_outlets (story_id);

CREATE VIRTUAL TABLE reader_fts USING fts5 (
    headline, summary,
    content = 'reader_stories', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER reader_fts_insert AFTER INSERT ON reader_stories BEGIN
    INSERT INTO reader_fts (rowid, headline, summary) VALUES (new.rowid, new.headline, new.summary);
END;
CREATE TRIGGER reader_fts_delete AFTER DELETE ON reader_stories BEGIN
    INSERT INTO reader_fts (reader_fts, rowid, headline, summary)
    VALUES ('delete', old.rowid, old.headline, old.summary);
END;

CREATE TRIGGER briefs_reader_insert AFTER INSERT ON briefs BEGIN
    INSERT INTO reader_stories (story_id, headline, summary, articles, outlets, first_seen, last_updated, day)
    SELECT new.story_id, headline, summary, articles, outlets, COALESCE(first_seen, last_updated),
           last_updated, substr(last_updated, 1, 10)
    FROM (SELECT json_extract(new.brief, '$.headline') AS headline,
                 COALESCE((SELECT group_concat(json_extract(value, '$.text'), ' ')
                           FROM json_each(new.brief, '$.summary')), '') AS summary,
                 json_extract(new.brief, '$.coverage.articles') AS articles,
                 json_extract(new.brief, '$.coverage.outlets') AS outlets,
                 strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(new.brief, '$.coverage.first_seen')) AS first_seen,
                 COALESCE(strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(new.brief, '$.coverage.last_updated')),
                          strftime('%Y-%m-%dT%H:%M:%SZ', new.written_at)) AS last_updated);
    INSERT INTO reader_outlets (outlet, story_id, articles)
    SELECT json_extract(value, '$.source'), new.story_id, COUNT(*)
    FROM json_each(new.brief, '$.sources')
    WHERE json_extract(value, '$.source') IS NOT NULL
    GROUP BY json_extract(value, '$.source');
END;

CREATE TRIGGER briefs_reader_update AFTER UPDATE OF brief ON briefs BEGIN
    DELETE FROM reader_outlets WHERE story_id = old.story_id;
    DELETE FROM reader_stories WHERE story_id = old.story_id;
    INSERT INTO reader_stories (story_id, headline, summary, articles, outlets, first_seen, last_updated, day)
    SELECT new.story_id, headline, summary, articles, outlets, COALESCE(first_seen, last_updated),
           last_updated, substr(last_updated, 1, 10)
    FROM (SELECT json_extract(new.brief, '$.headline') AS headline,
                 COALESCE((SELECT group_concat(json_extract(value, '$.text'), ' ')
                           FROM json_each(new.brief, '$.summary')), '') AS summary,
                 json_extract(new.brief, '$.coverage.articles') AS articles,
                 json_extract(new.brief, '$.coverage.outlets') AS outlets,
                 strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(new.brief, '$.coverage.first_seen')) AS first_seen,
                 COALESCE(strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(new.brief, '$.coverage.last_updated')),
                          strftime('%Y-%m-%dT%H:%M:%SZ', new.written_at)) AS last_updated);
    INSERT INTO reader_outlets (outlet, story_id, articles)
    SELECT json_extract(value, '$.source'), new.story_id, COUNT(*)
    FROM json_each(new.brief, '$.sources')
    WHERE json_extract(value, '$.source') IS NOT NULL
    GROUP BY json_extract(value, '$.source');
END;

CREATE TRIGGER briefs_reader_delete AFTER DELETE ON briefs BEGIN
    DELETE FROM reader_outlets WHERE story_id = old.story_id;
    DELETE FROM reader_stories WHERE story_id = old.story_id;
END;

-- Index the briefs written before this migration: rewriting a brief as it is fires the update trigger.
UPDATE briefs SET brief = brief;
