-- Signed receipts (issue 4). A receipt holds hashes, ids, model names and counts: never prompt or answer content.

-- One signed receipt per relayed request that reached an upstream and committed a 200, retrievable by the key that made it.
CREATE TABLE receipts (
    request_id TEXT PRIMARY KEY,
    key_id     TEXT NULL,
    jws        TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX receipts_key ON receipts (key_id);

-- The receipt signing keys' public halves, published at /.well-known/warden/jwks.json. The current key is the row
-- with retired_at NULL; its private PKCS#8 bytes live encrypted in `secrets` under the name
-- 'receipt-signing-key:<kid>'. A retired key keeps its public row (old receipts still verify) and loses its secret.
CREATE TABLE receipt_signing_keys (
    kid        TEXT PRIMARY KEY,
    public_jwk TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT NULL
);
