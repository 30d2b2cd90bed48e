-- Requests and fetches tagcache made to each registry since the database was created, for `tagcache status`
-- and GET /v1/repositories. Written in batches, so these lag the service by up to a few seconds. The registry is
-- written as references write it, e.g. docker.io or 127.0.0.1:5000.
CREATE TABLE registry_activity (
    registry TEXT PRIMARY KEY,
    -- HTTP requests the OCI client sent for this registry, token requests and retries included. The skopeo
    -- fetcher sends its own requests, which are not counted here.
    requests INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    -- Responses with status 429.
    rate_limited INTEGER NOT NULL DEFAULT 0,
    -- Tag list fetches by any fetcher, and how many of them failed.
    fetches INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    last_request_at INTEGER,
    last_error TEXT,
    last_error_at INTEGER,
    -- The ratelimit-limit and ratelimit-remaining headers of the latest response that carried either, as sent.
    ratelimit_limit TEXT,
    ratelimit_remaining TEXT,
    ratelimit_at INTEGER,
    -- When a batch last added to the row. Eviction deletes registries unused for the cache's `inactive` time.
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Requests of registry_activity by response status; status 0 counts requests that got no response (refused
-- connection, TLS failure, timeout).
CREATE TABLE registry_responses (
    registry TEXT NOT NULL,
    status INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (registry, status)
) WITHOUT ROWID;
