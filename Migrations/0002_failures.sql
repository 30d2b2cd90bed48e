-- Consecutive failed refreshes of a stored tag list, for exponential backoff. A successful fetch resets it.
ALTER TABLE repositories ADD COLUMN failure_count INTEGER NOT NULL DEFAULT 0;

-- The last failed fetch of a reference that has no stored tag list. With kind 'nameUnknown' the row is a
-- negative entry: the registry reported the repository unknown, and tagcache returns 404 until retry_at without
-- asking again. Other kinds (timeouts, 5xx, rejected credentials) are a failing first fetch whose error is
-- returned until retry_at, when the next attempt is made. Storing a tag list deletes the row.
CREATE TABLE failed_lookups (
    reference TEXT PRIMARY KEY,
    registry TEXT NOT NULL,
    -- A FetchError.Kind raw value, e.g. nameUnknown or timeout.
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    failed_at INTEGER NOT NULL,
    failure_count INTEGER NOT NULL,
    retry_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX failed_lookups_retry_at ON failed_lookups (retry_at);
