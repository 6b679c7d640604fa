-- What the updater remembers per feed (conditional GET validators, health, schedule),
-- and per article (where it came from, whether its body is whole, which report it copies).

ALTER TABLE feeds ADD COLUMN etag TEXT;
ALTER TABLE feeds ADD COLUMN last_modified TEXT;
ALTER TABLE feeds ADD COLUMN last_checked TEXT;
ALTER TABLE feeds ADD COLUMN last_success TEXT;
ALTER TABLE feeds ADD COLUMN last_error TEXT;
ALTER TABLE feeds ADD COLUMN error_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN next_check TEXT;
ALTER TABLE feeds ADD COLUMN interval_seconds INTEGER NOT NULL DEFAULT 900;

ALTER TABLE articles ADD COLUMN feed_url TEXT;
ALTER TABLE articles ADD COLUMN partial INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN duplicate_of TEXT;

-- Locality-sensitive buckets of each article's MinHash signature: articles that share a
-- bucket are near-duplicate candidates, found by an index lookup rather than a scan.
CREATE TABLE article_buckets (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    band       INTEGER NOT NULL,
    bucket     INTEGER NOT NULL,
    PRIMARY KEY (article_id, band)
) WITHOUT ROWID;
CREATE INDEX article_buckets_lookup ON article_buckets (band, bucket);

-- Links an article was found under (a feed's link, a redirect, a mirror), by canonical form,
-- so the updater knows a link before fetching it again.
CREATE TABLE article_links (
    canonical_link TEXT PRIMARY KEY,
    article_id     TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE
) WITHOUT ROWID;

-- Exact copies are found by title first, then compared whole.
CREATE INDEX articles_title ON articles (title);
