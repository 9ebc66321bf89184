-- What the OpenMetadata sync last sent to each server (catalog/om_sync.py): one row per entity,
-- written as soon as the server has it, so that a sync sends only what changed and a sync
-- stopped half way resumes.
CREATE SCHEMA IF NOT EXISTS catalog;
CREATE TABLE IF NOT EXISTS catalog.openmetadata_sync (
    host VARCHAR NOT NULL,        -- the server's URL as given to --host
    kind VARCHAR NOT NULL,        -- table, team, lineage, testCaseResult, …
    fqn VARCHAR NOT NULL,         -- the entity's fully qualified name (lineage: from>to)
    id VARCHAR,                   -- the server's id of it (NULL for lineage, results, properties)
    hash VARCHAR NOT NULL,        -- sha256 of its payload with placeholder ids (catalog/om_entities.py)
    sent JSON NOT NULL,           -- the payload sent, with the server's ids: what a later PATCH is computed from
    sent_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,         -- soft-deleted on the server: gone from the directory
    PRIMARY KEY (host, kind, fqn)
)
