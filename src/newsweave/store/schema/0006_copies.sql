-- Copies by their original: when a review moves an article that an earlier batch attached, its copies
-- (articles whose duplicate_of names it) move with it.

CREATE INDEX articles_duplicate_of ON articles (duplicate_of);
