-- The transparency log (issue 4): an RFC 9162 Merkle tree over configuration events and receipt hashes.
-- Entries never hold secrets, credentials, key material, prompts or answers.

-- One row per leaf, numbered from 0 with no gaps. `entry` is the leaf data (the bytes hashed with the 0x00 prefix):
-- "receipt <sha256 hex of the JWS>\n" or the canonical JSON of a configuration event.
CREATE TABLE log_entries (
    idx        BIGINT PRIMARY KEY,
    kind       TEXT NOT NULL,
    leaf_hash  BYTEA NOT NULL,
    entry      BYTEA NOT NULL,
    created_at TEXT NOT NULL
);

-- (No log_entries_leaf here: on SQLite 0007 replaces it; a PostgreSQL database starts with 0007's indexes.)

-- Append-only: the database itself refuses to change or remove an entry (LogTriggers puts these back at start).
-- Two nodes cannot append the same index: idx is the primary key, and every writer holds the writer advisory lock
-- (StorageCommands.BeginWrite) while it reads MAX(idx) and inserts the next one.
CREATE FUNCTION warden_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'log_entries is append-only'; END $$;

CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries FOR EACH ROW EXECUTE FUNCTION warden_log_append_only();
CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries FOR EACH ROW EXECUTE FUNCTION warden_log_append_only();
CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries FOR EACH STATEMENT EXECUTE FUNCTION warden_log_append_only();

-- Signed checkpoints (signed note text), one per tree size the relay signed.
CREATE TABLE log_checkpoints (
    tree_size  BIGINT PRIMARY KEY,
    signed     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
