-- A receipt remembers the index of its entry in the transparency log, so its inclusion proof is found by request id.
-- Until now it was found through `log_entries_leaf`, an index on leaf hashes: one insert at a random place per relayed
-- request, which once it outgrew SQLite's page cache cost about 15% of Warden's CPU under load. Leaf-hash lookups stay
-- for configuration entries (a few), through a partial index. Startup fills `log_idx` for receipts stored before this
-- migration (through the old index), then drops the old index (LogEntryRows.MoveReceiptLookupsToRequestIds).
ALTER TABLE receipts ADD COLUMN log_idx BIGINT NULL;

CREATE INDEX log_entries_leaf_config ON log_entries (leaf_hash) WHERE kind <> 'receipt';

-- Two indexes no query uses, each one more insert per relayed request: receipts are read by request id (the primary
-- key) and usage is summarised by time (usage_records_created_at stays).
DROP INDEX IF EXISTS receipts_key;
DROP INDEX IF EXISTS usage_records_key_id;
