"""共享交换 — sharing under control: applications and grants, masked exports, the gateway.

A stage like the others (conductor → stages → core): it imports only govlake, and reads what the
other stages published — the directory export (catalog/export/directory.json), the analysts'
database and curated Parquet — never the warehouse from the gateway (a build holds it).
"""
