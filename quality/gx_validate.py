"""Great Expectations over the run's violations: one validation per source (its batches of
this run), one UnexpectedRowsExpectation per rule. Results as JSON under
<lake>/reports/quality/gx/<run_id>/ (<source>.json per validation, checkpoint.json for the
run), Data Docs of the run under <lake>/reports/quality/data_docs/.

Why GX validates the violations table and not the staging models directly: every rule's
failing rows must be written with their record key and masked value anyway, and that is
one set-based pass per source (quality/evaluate.py). Expectations that re-scan staging
would run every rule's SQL a second time (and GX returns at most 20 unexpected keys per
native expectation, so the keys would need a third query). Here each expectation is the
rule's own question - "which rows fail rule X" - asked of the rows the run found; the
runner checks its count against the per-batch counts of quality.rule_results.

One validation per source, not per (source, batch): GX's cost is Python per expectation
(~10 ms: configuration objects, freshness checks, two metric queries), so it grows with
rules x validations and not with data. Per source it stays ~400 expectations whatever the
number of batches; a daily run checks one batch per source anyway.

GX runs on an ephemeral context (nothing of it persists but the files written here),
through a SQL datasource on the warehouse with duckdb-engine and quality/gx_shim.py.
"""
from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from govlake.settings import Lake
from quality.model import Rule
from quality.sqlfiles import sql_literal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Validation:
    source_id: str
    batches: list[str]
    rules: list[Rule]


@dataclass(frozen=True)
class Outcome:
    success: bool
    failed: int  # distinct failing rows (files, batches) GX counted


def gx_dir(lake: Lake) -> Path:
    return lake.reports / "quality" / "gx"


def docs_dir(lake: Lake) -> Path:
    return lake.reports / "quality" / "data_docs"


def expectation(rule: Rule):
    import great_expectations as gx

    return gx.expectations.UnexpectedRowsExpectation(
        # distinct: a record counts once per rule (a rejected row can fail it for two reasons)
        unexpected_rows_query=(f"SELECT DISTINCT batch, _file, _row_no FROM {{batch}} "
                               f"WHERE rule_id = {sql_literal(rule.id)}"),
        description=f"{rule.message_zh} — {rule.message_en}",
        meta={"rule_id": rule.id, "dimension": rule.dimension, "severity": rule.severity, "origin": rule.origin},
    )


def validate(lake: Lake, run_id: str, validations: list[Validation], progress=None
             ) -> dict[tuple[str, str], Outcome]:
    """Run the validations as one checkpoint; (source, rule_id) -> outcome."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from quality import gx_shim

    t0 = time.perf_counter()
    gx_shim.install()
    context = gx.get_context(mode="ephemeral")
    # no tqdm bars on stderr: the CLI shows its own progress
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    # an ephemeral context knows this run's results only: the site shows the latest run
    # (every run's results stay under gx/<run_id>/)
    shutil.rmtree(docs_dir(lake), ignore_errors=True)
    _add_docs_site(context, docs_dir(lake))
    datasource = context.data_sources.add_sql("warehouse", connection_string=f"duckdb:///{lake.warehouse}")
    definitions = []
    for v in validations:
        suite = context.suites.add(
            gx.ExpectationSuite(name=v.source_id, expectations=[expectation(r) for r in v.rules]))
        asset = datasource.add_query_asset(
            name=v.source_id,
            query=(f"SELECT * FROM quality.violations WHERE run_id = {sql_literal(run_id)} "
                   f"AND source_id = {sql_literal(v.source_id)}"))
        definitions.append(context.validation_definitions.add(gx.ValidationDefinition(
            name=v.source_id, data=asset.add_batch_definition_whole_table("run"), suite=suite)))
    log.info("GX context, datasource, suites: %.1f s", time.perf_counter() - t0)
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=f"quality_{run_id}", validation_definitions=definitions, result_format="SUMMARY"))
    try:
        t = time.perf_counter()
        result = checkpoint.run(run_id=gx.RunIdentifier(run_name=run_id))
        outcomes = _outcomes(gx_dir(lake) / run_id, result, {v.source_id: v for v in validations})
        log.info("GX checkpoint: %.1f s", time.perf_counter() - t)
        if progress:
            progress("building Data Docs")
        t = time.perf_counter()
        context.build_data_docs()
        log.info("GX Data Docs: %.1f s", time.perf_counter() - t)
    finally:
        # the persisted connection holds the warehouse open in this process
        datasource.get_execution_engine().close()
        datasource.get_engine().dispose()
    return outcomes


def _add_docs_site(context, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(site_name="quality", site_config={
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        # validation pages carry each expectation's description and SQL; separate suite
        # pages would repeat them at twice the rendering time
        "site_section_builders": {"expectations": "0", "profiling": "0"},
    })


def _outcomes(out_dir: Path, result, by_source: dict[str, Validation]) -> dict[tuple[str, str], Outcome]:
    """(source, rule_id) -> outcome; writes each validation result and the run's summary."""
    out: dict[tuple[str, str], Outcome] = {}
    summary = {"run_id": out_dir.name, "success": bool(result.success), "validations": []}
    for run_result in result.run_results.values():
        v = by_source[run_result.meta["active_batch_definition"]["data_asset_name"]]
        doc = run_result.to_json_dict()
        doc["meta"]["govlake"] = {"source_id": v.source_id, "batches": v.batches}
        _write_json(out_dir / f"{v.source_id}.json", doc)
        summary["validations"].append({"source_id": v.source_id, "batches": v.batches,
                                       "success": bool(run_result.success), "statistics": doc["statistics"]})
        for r in run_result.results:
            out[(v.source_id, r.expectation_config.meta["rule_id"])] = Outcome(
                bool(r.success), int(r.result["observed_value"]))
    _write_json(out_dir / "checkpoint.json", summary)
    return out


def _write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)
