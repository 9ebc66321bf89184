"""Masked exports: a grant's rows of one resource as a CSV, XLSX or Parquet file for its consumer.

    exported = export_resource(lake, Request(resource="101001/000001", format="csv", to=DIR, grant_id="GRT-…"))

The rows come through the gateway's own path (sharing/entitlement.py decides the items and which
of them are clear, sharing/engine.py selects them masked in DuckDB), streamed in record batches.
Each file carries its export id (Parquet key-value metadata, XLSX document properties, a
manifest beside a CSV) so a leaked copy can be traced to its consumer and grant; each export is a
row of sharing.exports and a record of the audit log, a refused or failed one in the audit log too.
"""
