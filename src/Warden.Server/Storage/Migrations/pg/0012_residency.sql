-- Residency rules and the transfer register (issue 20). Numbered 0012 so that the other changes of the same release can
-- take 0008-0011 without a clash; versions only need to grow.

-- Where a tenant's (or one key's) traffic may go, and what happens to personal data that would leave home. A key's row
-- replaces its tenant's row for that key. No row anywhere: no restriction (the default of a new install).
CREATE TABLE residency_rules (
    scope                TEXT NOT NULL CHECK (scope IN ('tenant', 'key')),
    subject_id           TEXT NOT NULL,                -- tenants.id or client_keys.id
    home                 TEXT NOT NULL,                -- ISO 3166 code of the home jurisdiction, e.g. CN
    allowed              TEXT NULL,                    -- comma-separated jurisdictions traffic may go to; NULL = any
    personal_data_abroad TEXT NOT NULL CHECK (personal_data_abroad IN ('block', 'mask', 'allow')),
    legal_basis          TEXT NULL,                    -- required for 'allow': the named basis recorded with each transfer
    uninspectable        TEXT NOT NULL CHECK (uninspectable IN ('block', 'allow')),   -- images and files going abroad
    patterns             TEXT NULL,                    -- operator patterns, JSON [{"name":…,"pattern":…}]; NULL = none
    version              BIGINT NOT NULL,             -- 1 for the first rule, +1 on every change
    updated_at           TEXT NOT NULL,
    PRIMARY KEY (scope, subject_id),
    CHECK (personal_data_abroad <> 'allow' OR legal_basis IS NOT NULL)
);

-- One row per request that left its home jurisdiction. Counts and categories only: never content, never values.
-- Written in the usage record's transaction.
CREATE TABLE transfers (
    request_id     TEXT PRIMARY KEY,
    created_at     TEXT NOT NULL,
    tenant_id      TEXT NULL,
    key_id         TEXT NULL,
    home           TEXT NOT NULL,
    provider       TEXT NOT NULL,                      -- provider profile id of the destination
    channel_id     TEXT NULL,
    jurisdiction   TEXT NOT NULL,                      -- the destination's jurisdiction
    classes        TEXT NOT NULL DEFAULT '',           -- 'cn_id=1,phone=2' (sorted by class); '' when none was found
    uninspected    BIGINT NOT NULL DEFAULT 0,         -- images and files that could not be inspected
    action         TEXT NOT NULL,                      -- 'none' (nothing found), 'mask', 'allow'
    legal_basis    TEXT NULL
);
CREATE INDEX transfers_created ON transfers (created_at);
