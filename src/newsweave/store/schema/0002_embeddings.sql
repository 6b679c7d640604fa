-- Sentence embeddings, cached by model and by a digest of the exact text embedded,
-- so that no text is embedded twice by the same model.

CREATE TABLE embeddings (
    model       TEXT NOT NULL,
    content_key TEXT NOT NULL,      -- sha256 of the text's UTF-8 bytes
    vector      BLOB NOT NULL,      -- little-endian float32
    PRIMARY KEY (model, content_key)
) WITHOUT ROWID;
