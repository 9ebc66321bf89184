"""Great Expectations over the run's violations: one validation per source (its batches of
this run), one UnexpectedRowsExpectation per rule. Results as JSON under
<lake>/reports/quality/gx/<run_id>/ (<source>.json per validation, checkpoint.json for the
run), Data Docs of the run under <lake>/reports/quality/data_docs/ (made to render offline and
to explain GX's success percent beside the scorecard: quality/data_docs/).

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
through a SQL datasource on the warehouse with duckdb-engine and quality/gx_shim.py, on a
thread of its own (GxSession): a source is validated while DuckDB checks the next one.
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from govlake.settings import Lake
from quality.data_docs import Counts, finish_docs
from quality.rule import Rule
from quality.sqlfiles import sql_literal

log = logging.getLogger(__name__)
DOCS_SITE = "quality"


@dataclass(frozen=True)
class Validation:
    source_id: str
    batches: list[str]
    rules: list[Rule]
    # what the runner counted for the Data Docs note: rows checked and passing, its rules and batches
    rows_checked: int = 0
    rows_passed: int = 0


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
        unexpected_rows_query=(
            f"SELECT DISTINCT batch, _file, _row_no FROM {{batch}} WHERE rule_id = {sql_literal(rule.id)}"
        ),
        description=f"{rule.message_zh} — {rule.message_en}",
        meta={"rule_id": rule.id, "dimension": rule.dimension, "severity": rule.severity, "origin": rule.origin},
    )


class GxSession:
    """Great Expectations on a thread of its own, so that its Python (~15 ms per expectation:
    configuration objects, freshness checks, two metric queries) runs while DuckDB checks the
    next source: the thread imports GX, builds the ephemeral context and the datasource, then
    validates each source as soon as the runner submits it (its violations committed), and
    at the end writes checkpoint.json and builds Data Docs.

    The datasource reaches the warehouse through duckdb-engine; the runner's own connection is
    opened with the same configuration (gx_shim.connection_config), so both share one DuckDB
    database instance and can be open at once. Every GX call happens on the thread."""

    def __init__(self, lake: Lake, run_id: str):
        self.lake, self.run_id = lake, run_id
        self.outcomes: dict[tuple[str, str], Outcome] = {}
        self.counts: dict[str, Counts] = {}  # source -> rules and rows passing, for the Data Docs note
        self.seconds = 0.0  # time the thread spent after GX was imported
        self._queue: queue.Queue[Validation | None] = queue.Queue()
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="great_expectations")
        self._thread.start()

    def submit(self, validation: Validation) -> None:
        self._queue.put(validation)

    def finish(self) -> dict[tuple[str, str], Outcome]:
        """Wait for every submitted validation, the summary and Data Docs; (source, rule_id) -> outcome."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.outcomes

    def close(self) -> None:
        """After a failed run: skip what is left, close GX's engine (a no-op after finish)."""
        self._cancelled = True
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        datasource, drained = None, False
        try:
            from quality import gx_shim
            from quality.gx_import import import_gx

            gx = import_gx()
            from great_expectations.data_context.types.base import ProgressBarsConfig

            t0 = time.perf_counter()
            gx_shim.install()
            context = gx.get_context(mode="ephemeral")
            # no tqdm bars on stderr: the CLI shows its own progress
            context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
            # an ephemeral context knows this run's results only: the site shows the latest run
            # (every run's results stay under gx/<run_id>/); only this site is built, not the
            # context's default one in a temporary directory
            shutil.rmtree(docs_dir(self.lake), ignore_errors=True)
            _add_docs_site(context, docs_dir(self.lake))
            datasource = context.data_sources.add_sql("warehouse", connection_string=f"duckdb:///{self.lake.warehouse}")
            log.info("GX context and datasource: %.1f s", time.perf_counter() - t0)
            out_dir = gx_dir(self.lake) / self.run_id
            summary = {"run_id": self.run_id, "success": True, "validations": []}
            while (v := self._queue.get()) is not None:
                if not self._cancelled:
                    summary["validations"].append(self._validate(gx, context, datasource, v, out_dir))
            drained = True
            if self._cancelled:
                return
            summary["success"] = all(s["success"] for s in summary["validations"])
            _write_json(out_dir / "checkpoint.json", summary)
            t = time.perf_counter()
            context.build_data_docs(site_names=[DOCS_SITE])
            log.info("GX Data Docs: %.1f s", time.perf_counter() - t)
            log.info("Data Docs offline, with the note: %.2f s", finish_docs(docs_dir(self.lake), self.counts))
            self.seconds = time.perf_counter() - t0
        except BaseException as e:  # handed to the runner's thread by finish()
            self._error = e
            while not drained and self._queue.get() is not None:  # until finish() or close() says stop
                pass
        finally:
            if datasource is not None:
                # the persisted connection holds the warehouse open in this process
                datasource.get_execution_engine().close()
                datasource.get_engine().dispose()

    def _validate(self, gx, context, datasource, v: Validation, out_dir: Path) -> dict:
        t = time.perf_counter()
        # GX keeps one connection (gx_shim) and SQLAlchemy a transaction open on it: end it,
        # so that the next query sees what the runner committed since (DuckDB's snapshot)
        with datasource.get_execution_engine().get_connection() as connection:
            connection.rollback()
        suite = context.suites.add(
            gx.ExpectationSuite(name=v.source_id, expectations=[expectation(r) for r in v.rules])
        )
        asset = datasource.add_query_asset(
            name=v.source_id,
            query=(
                f"SELECT * FROM quality.violations WHERE run_id = {sql_literal(self.run_id)} "
                f"AND source_id = {sql_literal(v.source_id)}"
            ),
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=v.source_id, data=asset.add_batch_definition_whole_table("run"), suite=suite)
        )
        result = definition.run(run_id=run_identifier(gx, self.run_id), result_format="SUMMARY")
        doc = result.to_json_dict()
        stats = doc["statistics"]
        self.counts[v.source_id] = Counts(
            stats["evaluated_expectations"], stats["successful_expectations"], v.rows_checked, v.rows_passed
        )
        doc["meta"]["govlake"] = {"source_id": v.source_id, "batches": v.batches}
        _write_json(out_dir / f"{v.source_id}.json", doc)
        for r in result.results:
            self.outcomes[(v.source_id, r.expectation_config.meta["rule_id"])] = Outcome(
                bool(r.success), int(r.result["observed_value"])
            )
        log.info("GX %s: %d expectations, %.1f s", v.source_id, len(v.rules), time.perf_counter() - t)
        return {
            "source_id": v.source_id,
            "batches": v.batches,
            "success": bool(result.success),
            "statistics": doc["statistics"],
        }


def _add_docs_site(context, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(
        site_name=DOCS_SITE,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            # validation pages carry each expectation's description and SQL; separate suite
            # pages would repeat them at twice the rendering time
            "site_section_builders": {"expectations": "0", "profiling": "0"},
        },
    )


def _write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)


def run_identifier(gx, run_id: str):
    """GX's RunIdentifier of a quality run, its time given: without one GX parses the run
    name as a date, and a run id whose random suffix reads as a UTC offset
    (20261206T153832Z-8284ad: -82:84) made every validation of the run fail."""
    return gx.RunIdentifier(run_name=run_id, run_time=datetime.now(UTC))
