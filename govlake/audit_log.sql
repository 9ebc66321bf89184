-- The audit log (govlake/audit.py, docs/audit.md) typed: ops.audit_log and `govlake audit show`
-- select this. {files} is replaced by the quoted glob of <lake>/audit/audit-*.jsonl.
SELECT
    seq,
    "at",
    action,
    subject,
    outcome,
    actor,
    "user",
    host,
    pid,
    airflow.dag_id AS dag_id,
    airflow.run_id AS dag_run_id,
    airflow.task_id AS task_id,
    airflow.try_number AS try_number,
    details,
    prev,
    hash,
    parse_filename(filename) AS file
FROM read_json(
    {files},
    format = 'newline_delimited',
    filename = true,
    columns = {
        'seq': 'BIGINT',
        'at': 'TIMESTAMPTZ',
        'action': 'VARCHAR',
        'subject': 'VARCHAR',
        'outcome': 'VARCHAR',
        'actor': 'VARCHAR',
        'user': 'VARCHAR',
        'host': 'VARCHAR',
        'pid': 'INTEGER',
        'airflow': 'STRUCT(dag_id VARCHAR, run_id VARCHAR, task_id VARCHAR, try_number INTEGER)',
        'details': 'JSON',
        'prev': 'VARCHAR',
        'hash': 'VARCHAR'
    }
)
