-- The log's identity as a C2SP signed-note signer (issue 19): the origin chosen at first start and its Ed25519 note
-- key's vkey (the private seed is in `secrets`, encrypted under the master key). One row, never changed: a different
-- origin is a different log.
CREATE TABLE log_identity (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    origin      TEXT NOT NULL,
    vkey        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Witness cosignatures (C2SP tlog-cosignature lines) on the signed checkpoints, one per witness and tree size.
CREATE TABLE log_cosignatures (
    tree_size  BIGINT NOT NULL,
    witness    TEXT NOT NULL,
    line       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tree_size, witness)
);
