-- Declared aliases, channel request policies and per-key fallback lists (issue 4). Every row here is visible to the
-- key holders it concerns (GET /v1/models, GET /v1/policy), and every change is a transparency-log entry.

-- An alias is a name a client may request in place of a model; it always resolves to exactly one served model.
CREATE TABLE model_aliases (
    name       TEXT PRIMARY KEY,
    model      TEXT NOT NULL,
    provider   TEXT NULL,       -- the provider profile the alias promises, when declared
    version    TEXT NULL,       -- the model version the alias promises, when declared
    created_at TEXT NOT NULL
);

-- The only changes Warden may make to a request sent through a channel. One row per channel with a policy.
CREATE TABLE channel_policies (
    channel_id            TEXT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    system_prefix         TEXT NULL,
    max_output_tokens_cap BIGINT NULL,
    overrides             TEXT NOT NULL DEFAULT '{}',   -- JSON object: top-level request field -> JSON value to set
    version               BIGINT NOT NULL,             -- 1 for the first policy, +1 on every change
    updated_at            TEXT NOT NULL
);

-- Models a key accepts in place of the one it asked for; NULL or [] = strict (never another model).
ALTER TABLE client_keys ADD COLUMN fallback_models TEXT NULL;
