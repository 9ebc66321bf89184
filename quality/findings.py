"""Open findings: the one scope a steward works in (docs/quality-dimensions.md#open-findings).

    from quality.findings import refresh_findings, current_results
    refresh_findings(con, registry)          # after a quality run: rewrites quality.findings
    sql = current_results(con, registry)     # SELECT of the current data's rule results

quality.violations keeps every batch's latest check - history. The steward's list is what is
wrong in the data now: the latest batch of a full snapshot, and every batch of an increment
whose record no later batch re-delivered (quality/sql/findings.sql says how, and how a
finding is marked new / open / resolved since the batch before). The scorecard, the counts,
the worst rules and the department workbooks all read this scope (current_results.sql), so
they agree.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from govlake.registry import Registry, Source
from quality import staging as stg
from quality.sqlfiles import install_macros, render

MODES = "_q_modes"  # (source_id, full_snapshot), registered on the connection


def register_modes(con: duckdb.DuckDBPyConnection, registry: Registry) -> str:
    sources = sorted(registry.sources.values(), key=lambda s: s.id)
    con.register(
        MODES,
        pa.table(
            {
                "source_id": [s.id for s in sources],
                "full_snapshot": [s.delivery.mode == "full" for s in sources],
            }
        ),
    )
    return MODES


def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        f"{s}.{t}" for s, t in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    }


def _delivered(source: Source, relations: set[str]) -> list[str]:
    """SELECTs of (source_id, batch, record_key) of every record an increment delivered:
    staged, or rejected by staging (it arrived all the same)."""
    literal = "'" + source.id + "'"
    out = []
    if stg.relation(source) in relations:
        out.append(f"SELECT {literal}, s._batch, {stg.record_key(source)} FROM {stg.relation(source)} AS s")
    if "staging.stg_rejected" in relations:
        out.append(
            f"SELECT {literal}, r._batch, {stg.rejected_record_key(source)} "
            f"FROM staging.stg_rejected AS r WHERE r.source_id = {literal}"
        )
    return out


def refresh_findings(con: duckdb.DuckDBPyConnection, registry: Registry) -> int:
    """Rewrite quality.findings from the current results; returns its open findings."""
    install_macros(con, registry)
    relations = _relations(con)
    selects = [
        sql
        for source in sorted(registry.sources.values(), key=lambda s: s.id)
        if source.delivery.mode != "full"
        for sql in _delivered(source, relations)
    ]
    delivered = (
        "(" + "\nUNION ALL\n".join(selects) + ") AS d(source_id, batch, record_key)"
        if selects
        else "(SELECT NULL::VARCHAR AS source_id, NULL::VARCHAR AS batch, NULL::VARCHAR AS record_key) AS d"
    )
    modes = register_modes(con, registry)
    con.execute(render("findings.sql", modes=modes, delivered=delivered))
    con.unregister(modes)  # not in a finally: a failed statement aborts the transaction, unregister too
    return con.execute("SELECT count(*) FROM quality.findings WHERE status <> 'resolved'").fetchall()[0][0]


def has_findings(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'quality' AND table_name = 'findings'"
        ).fetchall()
    )


def current_results(con: duckdb.DuckDBPyConnection, registry: Registry) -> str:
    """The current data's rule results as a SELECT (current_results.sql); registers the
    relation of delivery modes it reads on the connection (kept for the caller's queries)."""
    modes = register_modes(con, registry)
    return render("current_results.sql", modes=modes, has_findings=has_findings(con))
