-- What the online clusterer keeps per story, so that it resumes after a restart exactly where
-- it was: the sum of the members' embeddings, the newest member's time (dormancy is measured
-- from it), and the engine's own per-story signals; plus engine-wide state (term statistics).

ALTER TABLE stories ADD COLUMN vector_sum BLOB;         -- little-endian float32
ALTER TABLE stories ADD COLUMN last_article_at TEXT;    -- ISO 8601, newest member's publication time
ALTER TABLE stories ADD COLUMN signals TEXT;            -- JSON, owned by the clustering engine
CREATE INDEX stories_active ON stories (status, last_article_at);

CREATE TABLE engine_state (
    name       TEXT PRIMARY KEY,    -- e.g. "cluster/1"
    state      TEXT NOT NULL,       -- JSON
    updated_at TEXT NOT NULL
);
