"""Quality-run benchmark on the 1,000,000-person synthetic city (issue 5).

    python bench/quality.py [--persons 1000000] [--seed 42] [--repeat 2]

On the warehouse bench/build.py leaves (bench/data/build-<persons>-<seed>/lake: every batch
ingested and built; built here the same way if it is missing), copied once into
bench/data/quality-<persons>-<seed>/ (raw, quarantine and ingest logs hard-linked, the
warehouse copied, its stg_rejected brought up to date by dbt, any quality schema dropped),
three contenders, each in a fresh process, round-robin --repeat times, each run starting
from the same copy of the warehouse:

  govlake  quality.runner.run_quality over every source and batch, as `govlake quality run`
           does: rules, violations, Great Expectations validation (SQL datasource), Data Docs,
           rule_results, runs.
  floor    one DuckDB statement: CREATE TABLE AS the UNION ALL of every SQL rule of the same
           rule set (quality/ruleset.py, the SQL quality/evaluate.py runs, over the same
           batches), after the same temporary macros and the same copy of stg_rejected. No
           GX, no bookkeeping (rows checked, rule_results, observed values restored from raw),
           no findings from ingestion's record files (those rules are Python, not SQL).
  peer     Great Expectations' pandas execution engine: every staging model (the columns the
           expectations read) and stg_rejected loaded into pandas DataFrames from the
           warehouse, one suite per source of native expectations equivalent to the
           generated column rules (see peer_expectations), result_format COMPLETE with the
           failing rows' (_batch, _file, _row_no). Loading is inside its wall time and also
           reported apart. Rules GX cannot express natively are not included and listed.

Wall time is the subprocess's, from start to exit (Python start-up and imports included);
CPU and peak RSS are of the process tree (harness.TreeSampler). After the last round the
floor's and govlake's violations of the SQL rules are compared row for row, and the peer's
failing-row counts with govlake's per rule. Results: bench/results/quality.json.
Targets: govlake within 2x of the floor, faster than the pandas peer.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    DATA,
    RESULTS,
    ROOT,
    bench_lake,
    child,
    city_dir,
    ensure_city,
    fastest,
    machine,
    ratios_to,
    timed_child,
)

sys.path.insert(0, str(ROOT))

CONTENDERS = ("govlake", "floor", "peer")
FAILING_ROWS = ["_batch", "_file", "_row_no"]


# --- preparation (untimed) ----------------------------------------------------------------
def prepare(persons: int, seed: int, work: Path, source: Path | None) -> dict:
    """The benchmark's lake under `work`; returns what it was made from."""
    source = source or DATA / f"build-{persons}-{seed}" / "lake"
    info: dict = {"from": str(source)}
    if not (source / "warehouse.duckdb").exists():
        landing = city_dir(persons, seed)
        info["generation"] = ensure_city(landing, persons, seed)
        source = work / "built"
        info["from"] = str(source)
        print(f"no built warehouse: ingesting and building into {source} …", flush=True)
        _child(["--build", str(landing), str(source)])
    lake = work / "lake"
    bench_lake(source, lake)
    print("bringing stg_rejected up to date, writing the floor's SQL …", flush=True)
    info.update(_child(["--prepare", str(lake), str(work)]))
    shutil.copy2(lake / "warehouse.duckdb", work / "warehouse-start.duckdb")
    return info


def _child(args: list[str]) -> dict:
    return child(__file__, args)


def build_lake(landing: Path, home: Path) -> dict:
    from govlake.settings import Lake
    from ingest import ingest_landing
    from transform.dbt_runner import run_dbt

    lake = Lake(home)
    results = ingest_landing(landing, lake)
    if any(r.status == "failed" for r in results):
        raise SystemExit("ingestion failed")
    build = run_dbt(lake, "build", quiet=True)
    if not build.success:
        raise SystemExit(json.dumps(build.as_dict(), default=str)[-3000:])
    return {"built": True}


def prepare_in_child(home: Path, work: Path) -> dict:
    """dbt brings stg_rejected to the model's current form (a view of an older build becomes
    a table: a full build of that model); quality tables of earlier runs are dropped; the
    floor's SQL is written."""
    import duckdb

    from govlake.registry import load_registry
    from govlake.settings import Lake
    from quality.ruleset import all_rules
    from quality.staging import relation
    from transform.dbt_runner import run_dbt

    lake = Lake(home)
    registry = load_registry()
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        have = {
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'"
            ).fetchall()
        }
    missing = sorted({relation(s).split(".", 1)[1] for s in registry.sources.values()} - have)
    if missing:  # e.g. bench/build.py is rebuilding the warehouse this one was copied from
        raise SystemExit(f"the warehouse copied lacks {', '.join(missing)}: build it first (bench/build.py)")
    t = time.perf_counter()
    result = run_dbt(lake, "run", select=["stg_rejected"], quiet=True)
    if not result.success:
        raise SystemExit(json.dumps(result.as_dict(), default=str)[-3000:])
    stg_rejected_s = time.perf_counter() - t
    with duckdb.connect(str(lake.warehouse)) as con:
        con.execute("DROP SCHEMA IF EXISTS quality CASCADE")
        con.execute("DROP SCHEMA IF EXISTS floor CASCADE")
        con.execute("CHECKPOINT")
        sql, batches, rules = floor_sql(con, lake, registry)
        counts = {
            relation(s): con.execute(f"SELECT count(*) FROM {relation(s)}").fetchone()[0]
            for s in registry.sources.values()
        }
        counts["staging.stg_rejected"] = con.execute("SELECT count(*) FROM staging.stg_rejected").fetchone()[0]
        kind = con.execute(
            "SELECT table_type FROM information_schema.tables "
            "WHERE table_schema = 'staging' AND table_name = 'stg_rejected'"
        ).fetchone()[0]
    (work / "floor.sql").write_text(sql, encoding="utf-8")
    return {
        "stg_rejected": {"relation": kind, "dbt_run_s": round(stg_rejected_s, 1)},
        "rows": counts,
        "batches": sum(len(b) for b in batches.values()),
        "floor_rules": rules,
        "file_rules": sum(1 for r in all_rules(registry) if r.sql is None),
    }


def floor_sql(con, lake, registry) -> tuple[str, dict[str, list[str]], int]:
    """The floor: the runner's macros and copy of stg_rejected, then one CREATE TABLE AS of
    every SQL rule of every source over the batches a full run checks (the SELECT of
    quality/evaluate.py's INSERT per source, joined by UNION ALL)."""
    from quality.evaluate import _insert_sql
    from quality.files import batch_dates
    from quality.ruleset import all_rules
    from quality.sqlfiles import MACRO_FILES, macro_context, render, sql_literal, statements
    from quality.staging import REJECTED, relation
    from quality.store import VIOLATION_COLUMNS

    rules = all_rules(registry)
    context = macro_context(registry)
    parts = [s for name in MACRO_FILES for s in statements(render(name, **context))]
    parts.append(
        f"CREATE TEMP TABLE {REJECTED} AS SELECT *, string_split(reason, '; ') AS reasons FROM staging.stg_rejected"
    )
    selects, batches, n = [], {}, 0
    for sid, source in registry.sources.items():
        sql_rules = [r for r in rules if r.source == sid and r.sql]
        known = {
            b
            for (b,) in con.execute(
                f"SELECT DISTINCT _batch FROM {relation(source)} UNION "
                "SELECT DISTINCT _batch FROM staging.stg_rejected WHERE source_id = ?",
                [sid],
            ).fetchall()
        }
        batches[sid] = sorted(b for b in known | set(batch_dates(lake, source)) if b)
        if not sql_rules or not batches[sid]:
            continue
        insert = _insert_sql("floor", source, sql_rules, ", ".join(sql_literal(b) for b in batches[sid]))
        head, select = insert.split("\n", 1)
        assert head.startswith("INSERT INTO quality.violations"), head
        selects.append(select)
        n += len(sql_rules)
    parts.append("CREATE SCHEMA floor")
    parts.append(
        "CREATE TABLE floor.violations AS SELECT * FROM (\n"
        + "\nUNION ALL\n".join(f"({s})" for s in selects)
        + f"\n) AS v({', '.join(VIOLATION_COLUMNS)})"
    )
    return ";\n\n".join(parts) + ";\n", batches, n


# --- the contenders (each in its own process) ---------------------------------------------
def run_govlake(home: Path) -> dict:
    from govlake.settings import Lake
    from quality.runner import run_quality

    summary = run_quality(Lake(home))
    return {
        "inner_s": summary.seconds,
        "violations": summary.violations,
        "rules": summary.rules,
        "gx_success": summary.success,
        "timings": summary.timings,
    }


def run_floor(home: Path, work: Path) -> dict:
    import duckdb

    from quality.sqlfiles import statements

    t = time.perf_counter()
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    for stmt in statements((work / "floor.sql").read_text(encoding="utf-8")):
        con.execute(stmt)
    rows = con.execute("SELECT count(*) FROM floor.violations").fetchone()[0]
    con.close()
    return {"inner_s": round(time.perf_counter() - t, 2), "violations": rows}


def peer_expectations(registry, source, rules) -> tuple[list, list, list[tuple[str, str]]]:
    """(expectations on the staging model, expectations on its stg_rejected rows, rules not
    included with why). Each expectation's meta holds its rule id; the mapping follows
    quality/generated.py rule by rule."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column as C

    from govlake.identifiers import INDUSTRY_SECTIONS
    from quality import staging as stg

    E = gx.expectations
    staged, rejected, skipped = [], [], []
    for r in rules:
        if r.source != source.id:
            continue
        if r.sql is None:
            skipped.append(
                (
                    r.id,
                    "finding read from ingestion's record files (quarantine, manifests, calendar), "
                    "not a check of a table",
                )
            )
            continue
        if r.origin != "registry":
            skipped.append((r.id, "explicit rule (rules.yaml): cross-field or cross-source SQL"))
            continue
        meta = {"rule_id": r.id}
        if r.check == "unique_key":
            staged.append(E.ExpectCompoundColumnsToBeUnique(column_list=["_batch", *source.key], meta=meta))
            continue
        col = source.column(r.column)
        c = col.name
        is_key = c in source.key
        if is_key and r.check in ("required", "format", "check_digit"):
            reasons = {
                "required": "blank_key",
                "format": "bad_format|impossible_date",
                "check_digit": "bad_check_digit",
            }[r.check]
            rejected.append(
                E.ExpectColumnValuesToNotMatchRegex(
                    column="reason", regex=f"(?:^|; ){c}:(?:{reasons})(?:;|$)", meta=meta
                )
            )
        elif r.check == "required":
            typed_with_flag = stg.has_flag(col) and not stg.has_delivered(col)
            staged.append(
                E.ExpectColumnValuesToNotBeNull(
                    column=c, meta=meta, **({"row_condition": C(f"{c}_flag").is_null()} if typed_with_flag else {})
                )
            )
        elif r.check == "format" and stg.has_flag(col):
            staged.append(
                E.ExpectColumnValuesToNotBeInSet(
                    column=f"{c}_flag", value_set=["bad_format", "impossible_date", "bad_geojson"], meta=meta
                )
            )
        elif r.check == "format":
            staged.append(E.ExpectColumnValuesToMatchRegex(column=c, regex=f"^(?:{col.pattern})$", meta=meta))
        elif r.check in (
            "check_digit",
            "lowercase_x",
            "legacy_15_digit_id",
            "lowercase",
            "retired_region_code",
            "region_code",
        ):
            flag = {"check_digit": "bad_check_digit", "region_code": "unknown_region_code"}.get(r.check, r.check)
            staged.append(E.ExpectColumnValuesToNotBeInSet(column=f"{c}_flag", value_set=[flag], meta=meta))
        elif r.check in ("mobile", "icd10", "industry"):
            regex = {
                "mobile": "1[3-9][0-9]{9}",
                "icd10": "[A-Z][0-9]{2}([.][0-9X]{1,2})?",
                "industry": "|".join(
                    f"{s}(?:{'|'.join(f'{d:02d}' for d in range(lo, hi + 1))})[0-9]{{2}}"
                    for s, (lo, hi) in INDUSTRY_SECTIONS.items()
                ),
            }[r.check]
            staged.append(E.ExpectColumnValuesToMatchRegex(column=c, regex=f"^(?:{regex})$", meta=meta))
        elif r.check == "code_list":
            staged.append(E.ExpectColumnValuesToBeInSet(column=c, value_set=list(registry.codes(col)), meta=meta))
        elif r.check == "range":
            low, high = col.range
            staged.append(E.ExpectColumnValuesToBeBetween(column=c, min_value=low, max_value=high, meta=meta))
        elif r.check == "declared_layout":
            staged.append(E.ExpectColumnValuesToNotBeInSet(column=f"{c}_flag", value_set=["off_layout"], meta=meta))
        elif r.check == "name_mismatch":
            skipped.append((r.id, "compares the name with the base library's for the row's identifier (cross-source)"))
        elif r.check == "id_birth_date":
            skipped.append((r.id, "compares digits 7-14 of a valid ID number with the row's batch date"))
        elif r.check == "check_by":
            skipped.append((r.id, "the identifier kind required depends on another column of the row"))
        else:
            raise ValueError(f"no GX mapping for {r.id}")
    return staged, rejected, skipped


def _columns(expectations) -> list[str]:
    cols = set(FAILING_ROWS)
    for e in expectations:
        cols |= set(getattr(e, "column_list", None) or [e.column])
        if getattr(e, "row_condition", None) is not None:
            cols.add(e.row_condition.column.name)
    return sorted(cols)


def run_peer(home: Path, sources: list[str] | None) -> dict:
    t0 = time.perf_counter()
    import duckdb
    import great_expectations as gx

    from govlake.registry import load_registry
    from quality import staging as stg
    from quality.ruleset import all_rules

    import_s = time.perf_counter() - t0
    registry = load_registry()
    rules = all_rules(registry)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    datasource = context.data_sources.add_pandas("pandas")
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    load_s = validate_s = 0.0
    failed: dict[str, int] = {}
    skipped: list[tuple[str, str]] = []
    per_source = {}
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": FAILING_ROWS}
    for sid, source in registry.sources.items():
        if sources and sid not in sources:
            continue
        staged, rejected, skip = peer_expectations(registry, source, rules)
        skipped += skip
        for name, expectations, query in (
            (sid, staged, lambda cols, source=source: f"SELECT {', '.join(cols)} FROM {stg.relation(source)}"),
            (
                f"{sid}/rejected",
                rejected,
                lambda cols, sid=sid: f"SELECT {', '.join(cols)} FROM staging.stg_rejected WHERE source_id = '{sid}'",
            ),
        ):
            if not expectations:
                continue
            t = time.perf_counter()
            df = con.execute(query(_columns(expectations))).df()
            load_s += time.perf_counter() - t
            t = time.perf_counter()
            batch_def = datasource.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("all")
            suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch_def, suite=suite)
            )
            result = definition.run(batch_parameters={"dataframe": df}, result_format=result_format)
            for r in result.results:
                if r.exception_info.get("raised_exception"):
                    raise SystemExit(f"{r.expectation_config.meta['rule_id']}: {r.exception_info}")
                failed[r.expectation_config.meta["rule_id"]] = int(r.result.get("unexpected_count") or 0)
            validate_s += time.perf_counter() - t
            per_source[name] = {"rows": len(df), "columns": len(df.columns), "expectations": len(expectations)}
            del df, result
    return {
        "inner_s": round(time.perf_counter() - t0, 2),
        "import_s": round(import_s, 2),
        "load_s": round(load_s, 2),
        "validate_s": round(validate_s, 2),
        "expectations": len(failed),
        "failed_by_rule": failed,
        "not_included": dict(skipped),
        "per_source": per_source,
    }


# --- checks after a run (untimed, in a child) ---------------------------------------------
def collect(home: Path, work: Path, who: str) -> dict:
    """Per-rule failing rows of this run; the SQL rules' violations kept as Parquet to
    compare the floor with govlake row for row (everything but `observed`, which the
    runner restores from raw for typed values and the floor leaves as staged)."""
    import duckdb

    table = {"govlake": "quality.violations", "floor": "floor.violations"}[who]
    keep = work / f"violations-{who}.parquet"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        failed = dict(
            con.execute(f"SELECT rule_id, count(DISTINCT (batch, _file, _row_no)) FROM {table} GROUP BY 1").fetchall()
        )
        sql_rules = "SELECT rule_id FROM quality.rules WHERE sql IS NOT NULL" if who == "govlake" else None
        where = f"WHERE rule_id IN ({sql_rules})" if sql_rules else ""
        con.execute(
            f"COPY (SELECT source_id, batch, record_key, column_name, rule_id, dimension, severity, "
            f"detail, _file, _row_no FROM {table} {where}) TO '{keep}' (FORMAT parquet)"
        )
    return {"failed_by_rule": failed}


def compare(work: Path) -> dict:
    import duckdb

    g, f = work / "violations-govlake.parquet", work / "violations-floor.parquet"
    one = duckdb.connect()

    def only(a: Path, b: Path) -> int:
        return one.execute(f"SELECT count(*) FROM (SELECT * FROM '{a}' EXCEPT ALL SELECT * FROM '{b}')").fetchone()[0]

    return {
        "govlake_rows": one.execute(f"SELECT count(*) FROM '{g}'").fetchone()[0],
        "floor_rows": one.execute(f"SELECT count(*) FROM '{f}'").fetchone()[0],
        "only_in_govlake": only(g, f),
        "only_in_floor": only(f, g),
    }


# --- the driver -----------------------------------------------------------------------------
def timed(contender: str, lake: Path, work: Path, start: Path, peer_sources: list[str] | None) -> dict:
    if contender != "peer":  # the writers start from the same warehouse every time
        shutil.copy2(start, lake / "warehouse.duckdb")
        shutil.rmtree(lake / "reports", ignore_errors=True)
    cmd = [sys.executable, __file__, "--one", contender, str(lake), str(work)]
    if contender == "peer" and peer_sources:
        cmd += ["--peer-sources", ",".join(peer_sources)]
    return timed_child(cmd, contender)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--contenders", default=",".join(CONTENDERS))
    ap.add_argument("--peer-sources", help="comma-separated source ids the peer checks (default: all)")
    ap.add_argument("--reuse", action="store_true", help="keep the prepared lake of an earlier run")
    ap.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="a built lake to copy (default: bench/data/build-<persons>-<seed>/lake of bench/build.py)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS / "quality.json")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--prepare", nargs=2, type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--build", nargs=2, type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--collect", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    peer_sources = args.peer_sources.split(",") if args.peer_sources else None
    if args.one:
        who, home, work = args.one[0], Path(args.one[1]), Path(args.one[2])
        out = {
            "govlake": lambda: run_govlake(home),
            "floor": lambda: run_floor(home, work),
            "peer": lambda: run_peer(home, peer_sources),
        }[who]()
        print(json.dumps(out, ensure_ascii=False, default=str))
        return
    if args.prepare:
        print(json.dumps(prepare_in_child(*args.prepare)))
        return
    if args.build:
        print(json.dumps(build_lake(*args.build)))
        return
    if args.collect:
        print(json.dumps(collect(Path(args.collect[0]), Path(args.collect[1]), args.collect[2])))
        return

    work = DATA / f"quality-{args.persons}-{args.seed}"
    lake, start = work / "lake", work / "warehouse-start.duckdb"
    stamp = work / "prepared.json"
    if args.reuse and stamp.exists() and start.exists():
        prepared = json.loads(stamp.read_text())
    else:
        prepared = prepare(args.persons, args.seed, work, args.source)
        stamp.write_text(json.dumps(prepared, indent=1))
    contenders = [c for c in args.contenders.split(",") if c]
    runs: dict[str, list[dict]] = {c: [] for c in contenders}
    checks: dict = {}
    for round_no in range(args.repeat):
        for c in contenders:
            print(f"round {round_no + 1}/{args.repeat}: {c} …", flush=True)
            run = timed(c, lake, work, start, peer_sources)
            if round_no == args.repeat - 1 and c in ("govlake", "floor"):
                checks[c] = _child(["--collect", str(lake), str(work), c])
            runs[c].append({k: v for k, v in run.items() if k != "failed_by_rule"})
            if c == "peer":
                checks["peer"] = {"failed_by_rule": run.get("failed_by_rule", {})}
            print(f"  {run['seconds']} s wall, {run['cpu_s']} s CPU, peak RSS {run['peak_rss_mb']} MB", flush=True)
    best = {c: fastest(rs) for c, rs in runs.items()}
    result = report(args, prepared, runs, best, checks, work)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"ratios {result['ratios']}; targets {result['targets']} -> {args.out}")


def report(args, prepared, runs, best, checks, work: Path) -> dict:
    g, p = best.get("govlake"), best.get("peer")
    ratios = ratios_to(best, "govlake", {"floor": "floor", "peer": "peer"}, with_cpu=("floor",))
    if g and p:
        ratios["govlake_vs_peer_validation_only"] = round(g["seconds"] / p["validate_s"], 2)
    agreement = {}
    if "govlake" in checks and "floor" in checks:
        agreement["floor_vs_govlake_sql_rule_rows"] = compare(work)
    if "govlake" in checks and "peer" in checks:
        mine, theirs = checks["govlake"]["failed_by_rule"], checks["peer"]["failed_by_rule"]
        differ = {r: {"peer": n, "govlake": mine.get(r, 0)} for r, n in theirs.items() if n != mine.get(r, 0)}
        agreement["peer_vs_govlake_failing_rows_per_rule"] = {
            "rules_compared": len(theirs),
            "rules_equal": len(theirs) - len(differ),
            "differ": differ,
        }
    peer_runs = runs.get("peer", [])
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "city": {"persons": args.persons, "seed": args.seed},
        "prepared": prepared,
        "method": "each contender in a fresh process (Python start-up and imports included), round-robin "
        f"{args.repeat} rounds, best wall time kept; CPU and peak RSS of the process tree; govlake and "
        "the floor start every run from the same copy of the warehouse",
        "contenders": {
            "govlake": "quality.runner.run_quality(lake): every source and batch, as `govlake quality run`",
            "floor": "one DuckDB CREATE TABLE AS of the UNION ALL of the same rule set's SQL rules "
            f"({prepared.get('floor_rules')} rules) over the same batches, after the same macros and "
            "stg_rejected copy; no GX, no rows-checked counts, no rule_results, no observed values "
            f"restored from raw, no findings from ingestion's record files ({prepared.get('file_rules')} rules)",
            "peer": "Great Expectations pandas execution engine, native expectations per source on DataFrames "
            "loaded from the warehouse (only the columns read); loading counted in its wall time and "
            "given apart as load_s" + (f"; sources: {args.peer_sources}" if args.peer_sources else "; every source"),
        },
        "peer_not_included": peer_runs[-1].get("not_included") if peer_runs else None,
        "runs": runs,
        "best": best,
        "ratios": ratios,
        "agreement": agreement,
        "targets": {
            "within_2x_of_floor": bool(ratios.get("govlake_vs_floor", 99) <= 2.0),
            "faster_than_pandas_peer": bool(ratios.get("govlake_vs_peer", 99) < 1.0),
        },
    }


if __name__ == "__main__":
    main()
