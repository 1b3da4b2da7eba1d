-- The transparency log (issue 4): an RFC 9162 Merkle tree over configuration events and receipt hashes.
-- Entries never hold secrets, credentials, key material, prompts or answers.

-- One row per leaf, numbered from 0 with no gaps. `entry` is the leaf data (the bytes hashed with the 0x00 prefix):
-- "receipt <sha256 hex of the JWS>\n" or the canonical JSON of a configuration event.
CREATE TABLE log_entries (
    idx        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    leaf_hash  BLOB NOT NULL,
    entry      BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX log_entries_leaf ON log_entries (leaf_hash);

-- Append-only: the database itself refuses to change or remove an entry.
CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries
BEGIN
    SELECT RAISE(ABORT, 'log_entries is append-only');
END;

CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries
BEGIN
    SELECT RAISE(ABORT, 'log_entries is append-only');
END;

-- Signed checkpoints (signed note text), one per tree size the relay signed.
CREATE TABLE log_checkpoints (
    tree_size  INTEGER PRIMARY KEY,
    signed     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
