-- PostgreSQL twin of ../0015_customer_accounts.sql (types mapped as in pg/0001_initial.sql).
-- Issue 23: customer accounts for the console's customer side. A customer belongs to one tenant and sees only its data.
-- Secrets are stored only as hashes: passwords as Argon2id PHC strings, invitation tokens and recovery codes as
-- SHA-256 of 256-bit (or 80-bit, for recovery codes) random values. The TOTP secret is encrypted like other secrets.
-- Not configuration: accounts are not committed to the transparency log (they do not change routing or billing).

CREATE TABLE customer_invitations (
    id          TEXT PRIMARY KEY,
    token_hash  BYTEA NOT NULL UNIQUE,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT NULL,
    account_id  TEXT NULL
);

CREATE TABLE customer_accounts (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    name           TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    totp_secret    TEXT NULL,
    totp_enabled   BIGINT NOT NULL DEFAULT 0,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    disabled_at    TEXT NULL
);

CREATE INDEX customer_accounts_tenant ON customer_accounts (tenant_id);

CREATE TABLE customer_recovery_codes (
    account_id TEXT NOT NULL REFERENCES customer_accounts (id),
    code_hash  BYTEA NOT NULL,
    used_at    TEXT NULL,
    PRIMARY KEY (account_id, code_hash)
);

-- Which models a tenant's customers may give the keys they create; no row (or NULL) means every model.
CREATE TABLE customer_key_limits (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    models    TEXT NULL
);
