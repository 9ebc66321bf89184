"""Hostile deliveries (corpus.py), all ingested by one `govlake run` beside the clean city:
each is quarantined with its reason — its bad rows, the file, or the batch — and nothing
else of its batch is lost: for every file that loads, the records delivered are the rows
in raw plus the rows in quarantine, and every raw row reaches staging, typed or rejected
with its reason. No batch fails, and the console shows no traceback.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from ingest.names import printable_name
from tests.reliability.corpus import CASES

pytestmark = pytest.mark.slow


def _attempts(lake, source: str, batch: str) -> list[dict]:
    records = [json.loads(p.read_text(encoding="utf-8")) for p in (lake / "logs" / "ingest" / source).glob("*.json")]
    return sorted((r for r in records if r["batch"] == batch), key=lambda r: r["started_at"])


def _raw_rows(lake, source: str, batch: str) -> dict[str, int]:
    part = lake / "raw" / source / f"batch={batch}"
    if not part.is_dir():
        return {}
    glob = str(part / "*.parquet").replace("'", "''")
    return dict(duckdb.sql(f"select _file, count(*) from read_parquet('{glob}') group by _file").fetchall())


def _quarantined_rows(lake, source: str, batch: str) -> dict[str, list[dict]]:
    rows = lake / "quarantine" / source / f"batch={batch}" / "rows"
    out: dict[str, list[dict]] = {}
    for p in sorted(rows.glob("*.jsonl")) if rows.is_dir() else []:
        for line in p.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            out.setdefault(record["file"], []).append(record)
    return out


def _rejected(lake, source: str, batch: str) -> dict[str, str]:
    summary = lake / "quarantine" / source / f"batch={batch}" / "_quarantine.json"
    doc = json.loads(summary.read_text(encoding="utf-8")) if summary.exists() else {}
    return {r["file"]: r["reason"] for r in doc.get("rejected", [])}


def _unstaged(lake, source: str, batch: str) -> int:
    """Raw rows of the batch that reached neither its staging table nor staging.stg_rejected."""
    table = "staging.stg_" + source.replace(".", "__")
    glob = str(lake / "raw" / source / f"batch={batch}" / "*.parquet").replace("'", "''")
    with duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            f"""select count(*) from read_parquet('{glob}') r
            where not exists (select 1 from {table} s where s._batch = r._batch and s._file = r._file
                              and s._row_no = r._row_no)
              and not exists (select 1 from staging.stg_rejected j where j.source_id = ? and j._batch = r._batch
                              and j._file = r._file and j._row_no = r._row_no and j.reason <> '')""",
            [source],
        ).fetchall()[0][0]


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_a_hostile_input_is_quarantined_with_its_reason_and_nothing_else_is_lost(name, hostile):
    source, batch, expect = hostile.cases[name]
    lake = hostile.lake
    attempts = _attempts(lake, source, batch)
    assert attempts and all(a["status"] != "failed" for a in attempts), attempts
    messages = " ".join(attempts[-1]["messages"])
    if expect.refused:
        assert attempts[-1]["status"] == "rejected" and expect.refused in messages, messages
        assert not (lake / "raw" / source / f"batch={batch}").exists()
        return
    raw, quarantined, rejected = (
        _raw_rows(lake, source, batch),
        _quarantined_rows(lake, source, batch),
        _rejected(lake, source, batch),
    )
    for file, delivered in expect.delivered.items():
        q = quarantined.get(file, [])
        assert raw.get(file, 0) + len(q) == delivered, (file, raw, len(q))
        assert len(q) == expect.quarantined.get(file, 0), [r["reason"] for r in q]
        assert all(r["reason"] and r["detail"] for r in q)
    for file, word in expect.rejected.items():
        shown = printable_name(file)
        assert shown in rejected, (shown, list(rejected))
        assert word in rejected[shown], rejected[shown]
        assert shown in messages  # and the run said so
    assert set(raw) == set(expect.delivered) - {f for f, n in expect.quarantined.items() if n == expect.delivered[f]}
    if raw:
        assert _unstaged(lake, source, batch) == 0


def test_the_run_over_the_corpus_ends_as_documented_without_a_traceback(hostile):
    ran = hostile.ran
    assert "Traceback" not in ran.console, ran.console[-6000:]
    # `govlake run` exits 1, with the reason, when the gate holds a batch; 0 otherwise
    if ran.returncode == 1:
        assert "Curated not published" in ran.stderr, ran.console
    else:
        assert ran.returncode == 0, ran.console
    assert (hostile.lake / "reports" / "quality" / "index.html").exists()
