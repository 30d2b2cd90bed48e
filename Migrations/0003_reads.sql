-- When each tag list was last read, and how often, for refresh-ahead and eviction. Reads are written in
-- batches, so these lag the service by up to a few seconds. NULL means not read since it was stored.
ALTER TABLE repositories ADD COLUMN last_read_at INTEGER;
ALTER TABLE repositories ADD COLUMN read_count INTEGER NOT NULL DEFAULT 0;

-- Eviction deletes the entries least recently used, counting the fetch of an entry never read as a use.
CREATE INDEX repositories_last_used ON repositories (coalesce(last_read_at, fetched_at));

-- Refresh-ahead looks for entries about to expire.
CREATE INDEX repositories_expires_at ON repositories (expires_at);
