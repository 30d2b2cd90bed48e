-- Times are Unix milliseconds (UTC). A repository row is one cached tag list; its tags are rows in `tags`.

CREATE TABLE repositories (
    id INTEGER PRIMARY KEY,
    -- Normalized reference without tag, e.g. docker.io/library/debian or 127.0.0.1:5000/team/app.
    reference TEXT NOT NULL UNIQUE,
    -- Registry part of the reference as written in the configuration, e.g. docker.io or 127.0.0.1:5000.
    registry TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- Last time the tag set differed from the one stored before.
    changed_at INTEGER NOT NULL,
    tag_count INTEGER NOT NULL,
    -- Last failed refresh: message, time, and the earliest time of the next attempt.
    last_error TEXT,
    last_error_at INTEGER,
    next_attempt_at INTEGER
);

CREATE INDEX repositories_registry ON repositories (registry);

-- Every tag tagcache has seen for a repository. A tag the registry no longer lists keeps its row with
-- removed_at set, so first_seen_at survives for a tag that comes back.
CREATE TABLE tags (
    repository_id INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    removed_at INTEGER,
    PRIMARY KEY (repository_id, tag)
) WITHOUT ROWID;
