-- While `newsweave recluster` groups every article again, what each retired story held: each old story id
-- (merged ones too, through their merges) with the articles it led to. Its successor, the new story holding
-- most of those articles, is chosen once the regrouping is done, and these rows are then deleted. An
-- interrupted regrouping leaves them for the next run to finish with.

CREATE TABLE retired_members (
    story_id   TEXT NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (story_id, article_id)
) WITHOUT ROWID;
