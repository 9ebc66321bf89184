-- 共享申请 in the warehouse (sharing/store.py): applications, the grants approval makes, the
-- gateway's tokens (their hashes only) and the append-only history of every change. Written
-- only by the share workflow, under the lake lock; <lake>/sharing/access.json is rewritten
-- from sharing.grants and sharing.tokens by every command that changes them.
CREATE SCHEMA IF NOT EXISTS sharing;
CREATE TABLE IF NOT EXISTS sharing.applications (
    application_id VARCHAR PRIMARY KEY,  -- APP-00001
    consumer VARCHAR NOT NULL,           -- the applying department's code (registry)
    resource VARCHAR NOT NULL,           -- directory code, e.g. 101001/000001
    resource_name VARCHAR NOT NULL,      -- the curated model or the registry source id
    purpose VARCHAR NOT NULL,
    legal_basis VARCHAR NOT NULL,
    items VARCHAR [] NOT NULL,           -- 信息项 asked for
    clear_items VARCHAR [] NOT NULL,     -- of those, the ones asked for unmasked
    end_date DATE NOT NULL,              -- asked-for last day of use (city time)
    status VARCHAR NOT NULL,             -- 待审批 | 已批准 | 已驳回 | 已撤回
    applied_by VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL,       -- UTC
    decided_by VARCHAR,
    decided_as VARCHAR,                  -- the providing department that decided
    decided_at TIMESTAMP,                -- UTC
    reason VARCHAR,                      -- why rejected or withdrawn
    grant_id VARCHAR                     -- the grant approval made
);
CREATE TABLE IF NOT EXISTS sharing.grants (
    grant_id VARCHAR PRIMARY KEY,        -- GRT-00001
    application_id VARCHAR NOT NULL,
    consumer VARCHAR NOT NULL,
    resource VARCHAR NOT NULL,
    items VARCHAR [] NOT NULL,
    clear_items VARCHAR [] NOT NULL,
    purpose VARCHAR NOT NULL,
    legal_basis VARCHAR NOT NULL,
    expires_at TIMESTAMP NOT NULL,       -- UTC: the end of the granted end date, city time
    granted_by VARCHAR NOT NULL,
    granted_as VARCHAR NOT NULL,         -- the providing department
    granted_at TIMESTAMP NOT NULL,       -- UTC
    revoked_at TIMESTAMP,
    revoked_by VARCHAR,
    revoked_reason VARCHAR
);
CREATE TABLE IF NOT EXISTS sharing.tokens (
    token_id VARCHAR PRIMARY KEY,        -- TKN-00001: names a token, is not one
    hash VARCHAR NOT NULL UNIQUE,        -- sha256 hex of the secret; the secret is never stored
    holder VARCHAR NOT NULL,             -- a department code (consumer) or a person
    role VARCHAR NOT NULL,               -- consumer | analyst | steward
    expires_at TIMESTAMP NOT NULL,       -- UTC
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by VARCHAR
);
-- Append-only: one row per change of an application, a grant or a token, never updated.
CREATE TABLE IF NOT EXISTS sharing.events (
    event_id INTEGER PRIMARY KEY,        -- 1, 2, … in the order of the changes
    changed_at TIMESTAMP NOT NULL,       -- UTC
    changed_by VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,               -- application.filed, grant.created, token.revoked, …
    subject VARCHAR NOT NULL,            -- APP-…, GRT-…, TKN-…
    old_value JSON,                      -- the row's changed fields before (NULL when created)
    new_value JSON                       -- and after
);
