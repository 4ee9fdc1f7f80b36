-- A space's LLM integration, and the tokens drafting through it spent.
--
-- The provider settings (provider, base URL, model, deployment, API version) and the key are
-- sealed like every other secret: under the master key, with "table\0column\0row id" as
-- associated data. A space has at most one integration.
CREATE TABLE llm_integrations (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL UNIQUE REFERENCES spaces (id) ON DELETE CASCADE,
    settings_sealed BLOB NOT NULL,
    key_sealed BLOB NOT NULL
) STRICT;

-- Tokens sent to and received from the provider per space and UTC day: the only trace a draft
-- leaves. Nothing of the prompt or the answer is stored, nor who asked.
CREATE TABLE llm_usage (
    space_id INTEGER NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    day TEXT NOT NULL CHECK (length(day) = 10),
    sent INTEGER NOT NULL CHECK (sent >= 0),
    received INTEGER NOT NULL CHECK (received >= 0),
    PRIMARY KEY (space_id, day)
) STRICT, WITHOUT ROWID;
