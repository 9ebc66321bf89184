-- sharing.exports: one row per masked export written (sharing/export/log.py), so a leaked file's
-- export id leads to its consumer, grant, purpose and checksum. Created idempotently; rows are
-- only ever appended.
CREATE SCHEMA IF NOT EXISTS sharing;

CREATE TABLE IF NOT EXISTS sharing.exports (
    export_id VARCHAR PRIMARY KEY,
    consumer VARCHAR NOT NULL,
    grant_id VARCHAR,
    resource VARCHAR NOT NULL,
    purpose VARCHAR,
    format VARCHAR NOT NULL,
    "rows" BIGINT NOT NULL,
    columns VARCHAR [] NOT NULL,
    clear_items VARCHAR [] NOT NULL,
    sha256 VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

COMMENT ON TABLE sharing.exports IS '共享导出记录 — one row per masked export (govlake share export): who took what, under which grant, its checksum';
