-- The current tags of a repository as one value, `{"tags":[...]}` in byte order, so that storing or reading a list
-- of 50,000 tags touches one row. NULL for lists stored before this column existed: their current tags are the
-- rows of `tags` without removed_at, until the next fetch writes this column.
ALTER TABLE repositories ADD COLUMN tag_list TEXT;

-- When the repository was first stored. A current tag without a row in `tags` has been listed since then: rows
-- are written only for tags added by a later fetch and for removed tags, which keeps a first fetch to one row.
ALTER TABLE repositories ADD COLUMN first_fetched_at INTEGER;
