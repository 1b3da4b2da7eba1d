-- Routing and resilience: per-channel weight, timeouts, concurrency bound and jurisdiction override.
-- NULL means "Warden's default" (see WardenOptions); the key pool lives inside the encrypted credential
-- (one upstream key per line), so rotation of the master key covers every key of the pool.
ALTER TABLE channels ADD COLUMN weight BIGINT NOT NULL DEFAULT 1;
ALTER TABLE channels ADD COLUMN connect_timeout_ms BIGINT NULL;
ALTER TABLE channels ADD COLUMN first_byte_timeout_ms BIGINT NULL;
ALTER TABLE channels ADD COLUMN idle_timeout_ms BIGINT NULL;
ALTER TABLE channels ADD COLUMN max_concurrency BIGINT NULL;
ALTER TABLE channels ADD COLUMN jurisdiction TEXT NULL;
