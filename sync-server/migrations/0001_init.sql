-- The first schema of praxis.db.
--
-- Columns named *_sealed hold nonce || XChaCha20-Poly1305 ciphertext || tag, sealed under the
-- master key with "table\0column\0row id" as associated data. Columns named *_hash hold an
-- HMAC-SHA256 under a key derived from the master key, so sealed values can be looked up and
-- kept unique without being stored in the clear. Only enumerations, counters, ids and days
-- are stored as they are.

-- Server-wide values; `key_check` holds a sealed constant that tells a wrong master key apart
-- from a damaged database.
CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email_hash BLOB NOT NULL UNIQUE,
    email_sealed BLOB NOT NULL,
    owner INTEGER NOT NULL CHECK (owner IN (0, 1))
) STRICT;

-- Bearer tokens, only as SHA-256: the token itself is shown once and never stored.
CREATE TABLE tokens (
    hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX tokens_by_user ON tokens (user_id);

CREATE TABLE spaces (
    id INTEGER PRIMARY KEY,
    name_hash BLOB NOT NULL UNIQUE,
    name_sealed BLOB NOT NULL,
    -- Bumped in the same transaction as every change to the space's practices.
    revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0)
) STRICT;

CREATE TABLE members (
    space_id INTEGER NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    PRIMARY KEY (space_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX members_by_user ON members (user_id);

CREATE TABLE practices (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    practice_hash BLOB NOT NULL,
    practice_sealed BLOB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active')),
    document_sealed BLOB NOT NULL,
    UNIQUE (space_id, practice_hash)
) STRICT;

-- Examples keep no path, repository or user: only what the member chose to send.
CREATE TABLE examples (
    id INTEGER PRIMARY KEY,
    practice_row INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('good', 'bad')),
    language TEXT NOT NULL,
    code_sealed BLOB NOT NULL,
    file_sealed BLOB NOT NULL
) STRICT;

CREATE INDEX examples_by_practice ON examples (practice_row);

-- Anonymous counters per space, day, practice and language: nothing here links to a user,
-- token, address, path or a time finer than a day. Practices are kept by their own hashed and
-- sealed id rather than a reference, so statistics outlive a deleted practice.
CREATE TABLE stats (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    day TEXT NOT NULL CHECK (length(day) = 10),
    practice_hash BLOB NOT NULL,
    practice_sealed BLOB NOT NULL,
    language TEXT NOT NULL,
    findings INTEGER NOT NULL CHECK (findings >= 0),
    suppressions INTEGER NOT NULL CHECK (suppressions >= 0),
    fixes INTEGER NOT NULL CHECK (fixes >= 0),
    files INTEGER NOT NULL CHECK (files >= 0),
    millis INTEGER NOT NULL CHECK (millis >= 0),
    UNIQUE (space_id, day, practice_hash, language)
) STRICT;
