-- The directory's tables in the warehouse (catalog/store.py). catalog.codes is the code register:
-- it outlives builds (a code stays with its resource; a removed resource's code is retired and
-- never given to another); the other tables are rewritten by every build.
CREATE SCHEMA IF NOT EXISTS catalog;
CREATE TABLE IF NOT EXISTS catalog.codes (
    code VARCHAR PRIMARY KEY,     -- <类><项:2><目:3>/<顺序:6>
    resource VARCHAR NOT NULL,    -- the curated model or the registry source id
    kind VARCHAR NOT NULL,        -- curated | source
    assigned_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP          -- set when the resource left the directory
);
-- The published directory: what the directory promises outside the lake, one state per resource
-- (catalog/versions.py), changed only by a published change.
CREATE TABLE IF NOT EXISTS catalog.published (
    code VARCHAR PRIMARY KEY,
    state JSON NOT NULL,
    version INTEGER NOT NULL      -- the directory version that last changed it
);
-- Every difference a build found between the published directory and the built one.
CREATE TABLE IF NOT EXISTS catalog.changes (
    change_id VARCHAR PRIMARY KEY,
    version INTEGER,              -- the directory version that published it (NULL until then)
    code VARCHAR NOT NULL,
    resource VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,        -- resource_added, field_changed, item_added, …
    field VARCHAR NOT NULL,
    old_value VARCHAR,
    new_value VARCHAR,
    direction VARCHAR NOT NULL,   -- widen | narrow | neutral
    status VARCHAR NOT NULL,      -- 待审核 | 已发布 | 已驳回 | 已失效
    detected_at TIMESTAMP NOT NULL,
    decided_by VARCHAR,
    decided_at TIMESTAMP,
    reason VARCHAR
);
CREATE TABLE IF NOT EXISTS catalog.versions (
    version INTEGER PRIMARY KEY,
    published_at TIMESTAMP NOT NULL,
    published_by VARCHAR NOT NULL,
    changes INTEGER NOT NULL
);
