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
