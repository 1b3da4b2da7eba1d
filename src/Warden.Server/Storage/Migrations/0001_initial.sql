-- Warden schema v1. Plain SQL, applied in order at start. No table ever holds prompt or answer content.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Secrets Warden itself needs (the client-key hashing pepper), encrypted under the master key.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    key_id     TEXT NOT NULL,
    ciphertext BLOB NOT NULL
);

-- Client and admin keys: only a keyed hash (HMAC-SHA256) and a short display hint are stored.
CREATE TABLE client_keys (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('client', 'admin')),
    hint           TEXT NOT NULL,
    hash           BLOB NOT NULL UNIQUE,
    allowed_models TEXT NULL,          -- JSON array of model names; NULL = every model
    created_at     TEXT NOT NULL,
    expires_at     TEXT NULL,
    revoked_at     TEXT NULL
);

-- Upstream channels: the credential is AES-256-GCM ciphertext with the master key id beside it.
CREATE TABLE channels (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    provider          TEXT NOT NULL,
    base_url          TEXT NOT NULL,
    models            TEXT NOT NULL,   -- JSON array of model names served
    priority          INTEGER NOT NULL DEFAULT 0,
    allow_private     INTEGER NOT NULL DEFAULT 0,   -- operator allowed loopback/private addresses (SSRF guard off)
    credential_key_id TEXT NULL,
    credential        BLOB NULL,
    managed_simulator INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL
);

-- One row per request. Counts as reported by the upstream; NULL = not reported (never 0 for unknown).
CREATE TABLE usage_records (
    id                  TEXT PRIMARY KEY,   -- UUIDv7, also the request id clients see
    key_id              TEXT NULL,
    requested_model     TEXT NULL,
    served_model        TEXT NULL,
    channel_id          TEXT NULL,
    upstream_request_id TEXT NULL,
    status              INTEGER NOT NULL,
    outcome             TEXT NOT NULL,
    streamed            INTEGER NOT NULL,
    input_tokens        INTEGER NULL,
    output_tokens       INTEGER NULL,
    cached_tokens       INTEGER NULL,
    reasoning_tokens    INTEGER NULL,
    usage_source        TEXT NOT NULL,
    latency_ms          REAL NOT NULL,
    ttfb_ms             REAL NULL,
    created_at          TEXT NOT NULL
);

CREATE INDEX usage_records_created_at ON usage_records (created_at);
CREATE INDEX usage_records_key_id ON usage_records (key_id, created_at);
