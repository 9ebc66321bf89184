"""A hand-made quality warehouse for the work-order tests: generated findings on full-snapshot
sources, delivered batch by batch, scored by the project's own record_scores (which rewrites
quality.findings), then the steward report that issues the orders.

    lake = new_lake(tmp_path)
    deliver(lake, registry, "2026-10-01", {"gaj": (1, 2), "zrzy": (3, 0)})   # blocking, warning
    result = write_report(lake, registry=registry)
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
from openpyxl import load_workbook
from stdnum.cn import ric

from govlake.settings import Lake

# department -> its full-snapshot source, a blocking and a warning rule on it
SOURCES = {
    "gaj": ("gaj.household_register", "id_no", "ethnicity"),
    "mzj": ("mzj.subsistence_allowance", "id_no", "allowance_type"),
    "zrzy": ("zrzy.land_parcel", "parcel_code", "land_use"),
}


def rules_of(code: str) -> tuple[str, str]:
    source, blocking_col, warning_col = SOURCES[code]
    return f"completeness.required.{source}.{blocking_col}", f"conformity.code_list.{source}.{warning_col}"


def person_ids(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        body = f"3723{rnd.randint(1, 99):02d}{rnd.randint(1950, 2005)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
        body += f"{rnd.randint(0, 999):03d}"
        out.append(body + ric.calc_check_digit(body))
    return out


def new_lake(root: Path) -> Lake:
    lake = Lake(root / "lake")
    lake.dbt.mkdir(parents=True)  # the lake lock's directory
    return lake


def deliver(lake: Lake, registry, batch: str, findings: dict[str, tuple[int, int]], seed: int = 1) -> str:
    """One quality run over `batch` of each department's source: (blocking, warning) findings,
    on records 1..n (so a later batch with fewer findings has corrected the last ones)."""
    from quality.scores import record_scores
    from quality.store import RULE_COLUMNS, VIOLATION_COLUMNS, ensure_schema, insert_rows, write_rules

    run = f"{batch.replace('-', '')}T000000Z-wo{seed}"
    con = duckdb.connect(str(lake.warehouse))
    try:
        ensure_schema(con)
        write_rules(con, [])  # quality.dimensions
        con.execute("DELETE FROM quality.rules")
        rules, violations, results = [], [], []
        for code, (source, blocking_col, warning_col) in SOURCES.items():
            seed_of_code = int.from_bytes(code.encode(), "big")
            keys = person_ids(20, seed_of_code) if blocking_col == "id_no" else [f"P{i}" for i in range(20)]
            for (rule, col, severity, dimension), n in zip(
                (
                    (rules_of(code)[0], blocking_col, "blocking", "completeness"),
                    (rules_of(code)[1], warning_col, "warning", "conformity"),
                ),
                findings.get(code, (0, 0)),
            ):
                rules.append((rule, dimension, rule.split(".")[1], source, col, severity, "问题", "problem"))
                rules[-1] += ("generated", None, "rows", "SELECT 1")
                results.append((run, rule, source, batch, dimension, severity, 20, n, (20 - n) / 20))
                violations += [
                    (run, source, batch, keys[i], col, rule, dimension, severity, None, None, f"{code}.csv", i + 1)
                    for i in range(n)
                ]
        insert_rows(con, "quality.rules", RULE_COLUMNS, rules)
        insert_rows(con, "quality.violations", VIOLATION_COLUMNS, violations)
        for r in results:
            con.execute("INSERT INTO quality.rule_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())", list(r))
        con.execute(f"INSERT INTO quality.runs VALUES ('{run}', now(), now(), 3, 3, 6, {len(violations)}, true, 1.0)")
    finally:
        con.close()
    record_scores(lake, run, registry)
    return run


def query(lake: Lake, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(lake.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def fill(path: Path, answers: dict[int, tuple[str | None, str | None]], out: Path | None = None, edit=None) -> Path:
    """The department's answer: 整改状态 and 反馈意见 of the data rows given (1 = the first
    finding), saved as `out` (default: beside, returned-<name>); `edit(wb)` may change more."""
    path = Path(path)
    wb = load_workbook(path)
    ws = wb["违规明细"]
    header = [str(c.value).split("\n")[0] for c in ws[2]]
    status_col, comment_col = header.index("整改状态") + 1, header.index("反馈意见") + 1
    for n, (status, comment) in answers.items():
        ws.cell(row=2 + n, column=status_col, value=status)
        ws.cell(row=2 + n, column=comment_col, value=comment)
    if edit:
        edit(wb)
    out = out or path.with_name(f"returned-{path.name}")
    wb.save(out)
    return out
