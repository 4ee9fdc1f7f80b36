-- Stats batches already counted, by the SHA-256 of the random id the client gave each batch, so
-- that a batch sent again (its answer was lost on the way) is not counted twice. The id is new
-- for every batch and links to no user, token or address. Rows are kept for 30 days after the
-- batch's day, which is longer than a client keeps retrying.
CREATE TABLE stats_batches (
    space_id INTEGER NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    batch_hash BLOB NOT NULL CHECK (length(batch_hash) = 32),
    day TEXT NOT NULL CHECK (length(day) = 10),
    PRIMARY KEY (space_id, batch_hash)
) STRICT, WITHOUT ROWID;

CREATE INDEX stats_batches_by_day ON stats_batches (day);
