"""What an Asset event says besides "updated": the extra a downstream DAG, the Airflow UI and the
REST API see without reading the lake. Plain JSON; built from results that are already masked."""

from __future__ import annotations

BATCH_COUNTS = ("rows_written", "rows_quarantined", "files_rejected")


def raw_event_extra(results: list[dict]) -> dict:
    """The raw-layer Asset's event after an ingestion: every batch it looked at with its status
    and counts, and the rows written and quarantined in all."""
    batches = [{"batch": r["batch"], "status": r["status"], **{k: r[k] for k in BATCH_COUNTS}} for r in results]
    return {
        "batches": batches,
        "rows_written": sum(b["rows_written"] for b in batches),
        "rows_quarantined": sum(b["rows_quarantined"] for b in batches),
    }


def curated_event_extra(published: list[dict], gate: dict) -> dict:
    """The curated Asset's event after a publication: the gate that let it through with the
    batches it passed, and every table published with its rows."""
    tables = [{"model": t["model"], "library": t["library"], "rows": t["rows"]} for t in published]
    return {
        "gate_id": gate["gate_id"],
        "batches": gate["decided"],
        "tables": tables,
        "rows": sum(t["rows"] for t in tables),
    }
