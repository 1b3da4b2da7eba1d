-- Warden schema v2: tenants, credits, prices, a double-entry ledger, budgets, rate limits, redemption codes.
-- Money is integer micro-units (1 unit of the operator's currency = 1_000_000) everywhere; never a float.
-- No table holds prompt or answer content, a key or a plaintext redemption code.

CREATE TABLE tenants (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    currency       TEXT NOT NULL,                       -- the operator-named currency of the tenant's account
    multiplier_ppm INTEGER NOT NULL DEFAULT 1000000 CHECK (multiplier_ppm > 0),   -- price multiplier, parts per million
    created_at     TEXT NOT NULL
);

-- Which tenant owns a key (client_keys itself is unchanged). A key has at most one tenant.
CREATE TABLE key_tenants (
    key_id    TEXT PRIMARY KEY REFERENCES client_keys (id),
    tenant_id TEXT NOT NULL REFERENCES tenants (id)
);

CREATE INDEX key_tenants_tenant ON key_tenants (tenant_id);

-- Ledger accounts: 'tenant:<id>', optionally 'key:<id>', and system accounts 'system:<name>:<currency>'.
-- balance_micros is a cache of SUM(ledger_entries.amount_micros) kept in the same transaction; the ledger check
-- recomputes it. Customer accounts can never go below zero.
CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('tenant', 'key', 'system')),
    tenant_id      TEXT NULL REFERENCES tenants (id),
    key_id         TEXT NULL,
    currency       TEXT NOT NULL,
    balance_micros INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    CHECK (kind = 'system' OR balance_micros >= 0)
);

-- Double entry: every transaction_id's entries sum to zero. Entries are only ever inserted.
CREATE TABLE ledger_entries (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id TEXT NOT NULL,
    account        TEXT NOT NULL REFERENCES accounts (id),
    amount_micros  INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('topup', 'reservation', 'settlement', 'refund', 'redemption', 'adjustment')),
    reference      TEXT NOT NULL,   -- request id, code id or admin action
    created_at     TEXT NOT NULL
);

CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_account ON ledger_entries (account);
CREATE INDEX ledger_entries_reference ON ledger_entries (reference);

-- Versioned prices, per million tokens, in micro-units. A row is never changed: a new price is a new version.
CREATE TABLE price_versions (
    version                  INTEGER PRIMARY KEY AUTOINCREMENT,
    model                    TEXT NOT NULL,
    currency                 TEXT NOT NULL,
    input_per_million        INTEGER NOT NULL CHECK (input_per_million >= 0),
    output_per_million       INTEGER NOT NULL CHECK (output_per_million >= 0),
    cache_read_per_million   INTEGER NOT NULL CHECK (cache_read_per_million >= 0),
    cache_write_per_million  INTEGER NOT NULL CHECK (cache_write_per_million >= 0),
    reasoning_per_million    INTEGER NOT NULL CHECK (reasoning_per_million >= 0),
    effective_at             TEXT NOT NULL,
    created_at               TEXT NOT NULL
);

CREATE INDEX price_versions_model ON price_versions (model, effective_at);

-- Spending limits per tenant or key and period; checked at reservation against settled charges plus open holds.
CREATE TABLE budgets (
    scope        TEXT NOT NULL CHECK (scope IN ('tenant', 'key')),
    subject_id   TEXT NOT NULL,
    period       TEXT NOT NULL CHECK (period IN ('daily', 'monthly', 'total')),
    limit_micros INTEGER NOT NULL CHECK (limit_micros >= 0),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (scope, subject_id, period)
);

-- Request-rate limits per tenant or key; NULL = no limit of that kind.
CREATE TABLE rate_limits (
    scope               TEXT NOT NULL CHECK (scope IN ('tenant', 'key')),
    subject_id          TEXT NOT NULL,
    requests_per_minute INTEGER NULL CHECK (requests_per_minute > 0),
    tokens_per_minute   INTEGER NULL CHECK (tokens_per_minute > 0),
    concurrent          INTEGER NULL CHECK (concurrent > 0),
    PRIMARY KEY (scope, subject_id)
);

-- Open and finished holds: one per request that reserved credit.
CREATE TABLE reservations (
    request_id     TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL,
    account        TEXT NOT NULL REFERENCES accounts (id),
    tenant_id      TEXT NOT NULL,
    key_id         TEXT NULL,
    model          TEXT NOT NULL,
    price_version  INTEGER NOT NULL,
    amount_micros  INTEGER NOT NULL CHECK (amount_micros >= 0),
    state          TEXT NOT NULL CHECK (state IN ('open', 'settled')),
    created_at     TEXT NOT NULL
);

CREATE INDEX reservations_open ON reservations (state, tenant_id);

-- One row per settled request: request_id UNIQUE makes a retried settlement a no-op. Also the source of cost reports.
CREATE TABLE settlements (
    request_id         TEXT PRIMARY KEY,
    transaction_id     TEXT NOT NULL,
    tenant_id          TEXT NOT NULL,
    key_id             TEXT NULL,
    account            TEXT NOT NULL,
    model              TEXT NOT NULL,
    price_version      INTEGER NOT NULL,
    currency           TEXT NOT NULL,
    reserved_micros    INTEGER NOT NULL,
    cost_micros        INTEGER NOT NULL,   -- what the usage cost at the price version (multiplier applied)
    charged_micros     INTEGER NOT NULL,   -- what the ledger took (cost, unless the balance could not cover an overrun)
    shortfall_micros   INTEGER NOT NULL,   -- cost - charged: never taken, so no balance goes below zero
    input_tokens       INTEGER NULL,
    output_tokens      INTEGER NULL,
    cache_read_tokens  INTEGER NULL,
    cache_write_tokens INTEGER NULL,
    reasoning_tokens   INTEGER NULL,
    usage_source       TEXT NOT NULL CHECK (usage_source IN ('reported', 'estimated', 'not_reported')),
    usage_note         TEXT NOT NULL,      -- how it was estimated and which components were not reported
    created_at         TEXT NOT NULL
);

CREATE INDEX settlements_created_at ON settlements (created_at);
CREATE INDEX settlements_tenant ON settlements (tenant_id, created_at);
CREATE INDEX settlements_key ON settlements (key_id, created_at);

-- Redemption codes: only HMAC-SHA256(pepper, code) is stored, never the code.
CREATE TABLE redemption_codes (
    id            TEXT PRIMARY KEY,
    batch_id      TEXT NOT NULL,
    code_hash     BLOB NOT NULL UNIQUE,
    amount_micros INTEGER NOT NULL CHECK (amount_micros > 0),
    currency      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    redeemed_by   TEXT NULL REFERENCES tenants (id),
    redeemed_at   TEXT NULL
);
