-- Issue 19: every configuration entry commits to the configuration's content and digest, and the tables are checked
-- against the last commitment at start, on reload and before each configuration write. That lookup reads configuration
-- entries newest first; this partial index keeps it off the receipts (one entry per relayed request) and costs them
-- nothing (a receipt entry does not match the index's WHERE).
CREATE INDEX log_entries_config_order ON log_entries (idx) WHERE kind <> 'receipt';
