-- Issue 19: every configuration entry commits to the configuration's content and digest, and the tables are checked
-- against the last commitment at start, on reload and before each configuration write. That lookup reads configuration
-- entries newest first; this partial index keeps it off the receipts (one entry per relayed request) and costs them
-- nothing (a receipt entry does not match the index's WHERE).
CREATE INDEX log_entries_config_order ON log_entries (idx) WHERE kind <> 'receipt';

-- How many upstream keys a channel's credential holds: committed in the log with the channel (the keys never are), and
-- checked against the decrypted credential at load. NULL for channels added before (nothing to check against).
ALTER TABLE channels ADD COLUMN key_pool_size BIGINT NULL;
