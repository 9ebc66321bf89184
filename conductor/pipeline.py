"""The task code of the pipeline, shared by the Airflow DAGs and `govlake run`.

Each function takes plain arguments and returns JSON-serialisable results, so
the same call works as an Airflow task (result in XCom) and in-process.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from govlake.pii import mask_record
from govlake.registry import load_registry
from govlake.settings import Lake


def landing_dir(lake: Lake, landing: Path | str | None = None) -> Path:
    return Path(landing).resolve() if landing else lake.landing


def pending_batches(source_id: str, lake: Lake, landing: Path | str | None = None) -> list[str]:
    """Complete batches not yet committed, or changed since their commit.

    Cheap on purpose (it runs at every sensor poke): a batch is pending when its
    partition has no _SUCCESS, a delivered file is newer than that _SUCCESS, or a raw
    part is missing or no longer of its recorded size (the ingest task heals it). A
    partition so damaged whose batch landing no longer holds is pending too: the ingest
    task then fails naming it, rather than the damage waiting for the next build.
    The ingest task still compares checksums, so a false positive costs one no-op.
    """
    from ingest import find_complete_batches
    from ingest.verify import committed_partitions, damaged

    source = load_registry().source(source_id)
    pending = []
    complete = find_complete_batches(landing_dir(lake, landing), source)
    for batch_dir in complete:
        success = lake.raw_partition(source_id, batch_dir.name) / "_SUCCESS"
        if not success.exists():
            pending.append(batch_dir.name)
            continue
        committed = success.stat().st_mtime_ns
        if any(f.stat().st_mtime_ns > committed for f in batch_dir.iterdir() if f.is_file()) or damaged(success.parent):
            pending.append(batch_dir.name)
    landed = {d.name for d in complete}
    for _, batch in committed_partitions(lake, [source_id]):
        if batch not in landed and damaged(lake.raw_partition(source_id, batch)):
            pending.append(batch)
    return pending


class RawDamaged(RuntimeError):
    """The raw layer does not match its manifests: a build over it would lose rows silently."""


def check_raw(lake: Lake, checksums: bool) -> None:
    """Refuse (RawDamaged, one line naming the partitions) when a raw partition differs from
    its manifest: part sizes, and with `checksums` every part's sha256 (ingest/verify.py)."""
    from ingest.verify import verify_raw

    bad = [v for v in verify_raw(lake, checksums=checksums) if v.problems]
    if bad:
        raise RawDamaged(
            f"raw layer damaged, build refused: {'; '.join(v.summary() for v in bad)} — run `govlake ingest` to "
            "re-ingest from landing, or restore the partition (`govlake verify` checks again)"
        )


def ingest_source(source_id: str, lake: Lake, landing: Path | str | None = None, progress=None) -> list[dict]:
    """Ingest every complete batch of one source; returns one dict per batch."""
    from ingest import ingest_landing

    results = ingest_landing(landing_dir(lake, landing), lake, sources=[source_id], progress=progress)
    return [_as_dict(r) for r in results]


def _as_dict(result) -> dict:
    """A batch result for Airflow's XCom and task errors: plain data, masked by pattern
    (a message may quote a delivered row)."""
    d = asdict(result)
    return mask_record({k: (str(v) if isinstance(v, Path) else v) for k, v in d.items()})


def transform(
    lake: Lake,
    quiet: bool = False,
    publish: bool = False,
    full_refresh: bool = False,
    every_model: bool = False,
    debug_log: bool = False,
    engine: str = "duckdb",
) -> dict:
    """Build the dbt project (staging, base libraries, themes) on the lake's raw layer and,
    with publish=True and a successful build, publish the curated Parquet copies
    (result["curated"]) without the quality gate. The pipeline publishes through
    quality_run → quality_gate → publish_curated instead (promote()).

    The build runs what raw data changed since the last complete build reaches
    (transform.build_plan; result["plan"] says what and why), every model with
    every_model=True or full_refresh=True.

    First the raw layer is checked against its manifests — part sizes, and before a full
    refresh (which rebuilds from the whole raw layer) every part's sha256: damage raises
    RawDamaged instead of building curated short by the damaged rows. Here, not in
    transform: stages do not import each other.

    engine="spark" builds every model on Spark instead (docs/spark.md): its tables land in
    <lake>/spark/warehouse/, the warehouse and curated/ are left as they are."""
    from transform.build_plan import build, build_on_engine

    if engine != "duckdb":
        check_raw(lake, checksums=True)  # a full build: it reads the whole raw layer
        return build_on_engine(lake, engine, quiet=quiet, debug_log=debug_log)
    check_raw(lake, checksums=full_refresh)
    result = build(lake, quiet=quiet, full_refresh=full_refresh, every_model=every_model, debug_log=debug_log)
    # 回流: a 数据异议 ticket closes as 已更正 once its authoritative source delivered a changed
    # value. After run_dbt returns: both take the lake's lock.
    result["disputes_closed"] = close_corrected_disputes(lake) if result["success"] else []
    result["curated"] = publish_curated(lake) if publish and result["success"] else []
    return result


def close_corrected_disputes(lake: Lake) -> list[dict]:
    """Close the open 数据异议 tickets whose golden value a later batch has changed."""
    from quality.disputes import close_corrected

    return [asdict(c) for c in close_corrected(lake)]


def publish_curated(lake: Lake) -> list[dict]:
    """Write every base and theme table to curated/<library>/<table>.parquet."""
    from transform import curated

    return [asdict(t) for t in curated.publish_curated(lake)]


def transform_summary(result: dict, lake: Lake) -> str:
    """One line for a console or a task log: what the build did and where to read the
    details (dbt's own output is kept in its log file and run results, not printed)."""
    plan = result.get("plan") or {}
    if not result.get("args"):
        return f"dbt build: {plan.get('reason', 'nothing to build')}"
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result["counts"].items()))
    problems = result.get("problems") or []
    if not problems:
        return f"dbt build: {counts} in {result['seconds']:.0f} s"
    warnings = sum(p["status"] == "warn" for p in problems)
    found = ", ".join(
        part for part in (_plural(warnings, "warning"), _plural(len(problems) - warnings, "error")) if part
    )
    return (
        f"dbt build: {counts} in {result['seconds']:.0f} s; {found}: "
        f"{lake.dbt / 'run_results.json'} (log {lake.dbt / 'logs' / 'dbt.log'})"
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}" if n else ""


def quality_run(lake: Lake, progress=None) -> dict:
    """Every quality rule on the warehouse's batches that can have changed (quality.runner:
    every batch of an increment; a full snapshot's latest, and any older one staged since its
    check), then the run's GB/T 36344 scores appended to quality.scores (quality.scores)."""
    from quality.runner import run_quality
    from quality.scores import record_scores

    summary = run_quality(lake, progress=progress)
    scores = record_scores(lake, summary.run_id) if summary.batches else []
    result = asdict(summary)
    result["scores"] = len(scores)
    return result


def quality_gate(lake: Lake) -> dict:
    """The promotion gate on the current quality results (quality/gate.py, quality/gate.yaml);
    result["passed"] is False and result["reason"] names source, batch, rules and share vs
    threshold when a batch is held. Decisions are kept in quality.gate_decisions."""
    from quality.gate import run_gate

    return run_gate(lake).as_dict()


def quality_report(lake: Lake) -> dict:
    """The steward report of the current results (quality/report): <lake>/reports/quality/
    index.html and one XLSX workbook per department; written whether or not the gate passed
    (it is what explains a held batch)."""
    from quality.report import write_report

    return write_report(lake).as_dict()


def promote(lake: Lake, progress=None) -> dict:
    """After a successful dbt build: quality run → gate → publish curated when the gate passed
    → steward report → resource directory. Returns {"quality": …, "gate": …, "curated": [...],
    "report": …, "directory": …} (curated empty when held)."""
    say = progress or (lambda message: None)
    say("quality run")
    checked = quality_run(lake, progress=say)
    say("quality gate")
    gate = quality_gate(lake)
    curated = []
    if gate["passed"]:
        say("publishing curated")
        curated = publish_curated(lake)
    say("steward report")
    report = quality_report(lake)
    say("resource directory")
    directory = catalog_build(lake)
    return {"quality": checked, "gate": gate, "curated": curated, "report": report, "directory": directory}


def catalog_build(lake: Lake) -> dict:
    """The 政务信息资源目录 of the warehouse (catalog/): catalog.resources, items, relations,
    quality and the code register, rebuilt after every promotion (held or not: its quality and
    gate columns say which), the warehouse's comments, the analysts' database
    (<lake>/analysts.duckdb: views over curated Parquet, code tables, comments) and the
    directory's offline site (<lake>/reports/catalog/)."""
    from catalog.publish import publish_catalog

    return publish_catalog(lake)
