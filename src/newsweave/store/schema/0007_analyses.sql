-- Articles' text analyses (terms, names, numbers, weekdays: stages/signals.py), cached by the analyser that
-- made them and by a digest of the title and text, so the batch command analyses no text twice.

CREATE TABLE analyses (
    analyser    TEXT NOT NULL,      -- signals.ANALYSER: the digest of the code that analysed
    content_key TEXT NOT NULL,      -- signals.analysis_key: sha256 of the title and the text
    analysis    TEXT NOT NULL,      -- JSON: [terms with counts, names, numbers, weekdays]
    PRIMARY KEY (analyser, content_key)
) WITHOUT ROWID;
