-- Work orders (整改工单, quality/work_orders.py): one per department workbook the steward
-- report writes. Nothing is updated or deleted: an order, its items and the feedback a
-- department returned stay as they were recorded.
CREATE SCHEMA IF NOT EXISTS quality;

CREATE TABLE IF NOT EXISTS quality.work_orders (
    work_order_id VARCHAR PRIMARY KEY,
    department VARCHAR NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    issued_on DATE NOT NULL,
    run_id VARCHAR,
    findings INTEGER NOT NULL,
    checksum VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS quality.work_order_items (
    work_order_id VARCHAR NOT NULL,
    finding_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    due_date DATE NOT NULL,
    PRIMARY KEY (work_order_id, finding_id)
);

CREATE TABLE IF NOT EXISTS quality.work_order_feedback (
    work_order_id VARCHAR NOT NULL,
    finding_id VARCHAR NOT NULL,
    status VARCHAR,
    comment VARCHAR,
    "by" VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL
);
