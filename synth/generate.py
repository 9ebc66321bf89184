"""generate_city: write the synthetic city's landing zone and its truth files.

Sources are produced in two groups, each in one pass over the population
blocks (a block's layers are computed once per group). With enough persons the
groups run in two processes; output does not depend on that choice, because
every record is a pure function of the seed and its block.
"""

from __future__ import annotations

import csv
import multiprocessing as mp
import os
import queue
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from govlake.registry import load_registry
from synth.batches import irregularities
from synth.defects import Truth
from synth.delivery import CHANGE_HEADER, SourceResult, SourceSink
from synth.world import World

TRUTH_DIR = "_truth"
# balanced by measured cost at 1M persons; each group makes one pass over the blocks
GROUPS = (
    (
        "gaj.household_register",
        "wjw.birth_certificate",
        "wjw.death_record",
        "mzj.marriage_register",
        "mzj.subsistence_allowance",
        "xczx.monitored_household",
        "tjj.macro_indicator",
        "zrzy.standard_address",
        "zrzy.land_parcel",
    ),
    (
        "rsj.social_insurance",
        "scjg.enterprise_register",
        "scjg.patent",
        "swj.taxpayer",
        "xyzx.double_publicity",
        "dsj.e_licence",
        "yjj.hazard_enterprise",
    ),
)
PARALLEL_FROM = 50_000  # persons; below this, process start-up costs more than it saves


@dataclass(frozen=True)
class SourceSummary:
    batches: int
    files: int
    rows: int


@dataclass
class GenerateSummary:
    out: Path
    persons: int
    seed: int
    defect_rate: float
    end_date: date
    sources: dict[str, SourceSummary] = field(default_factory=dict)
    truth_path: Path = Path()
    changes_path: Path = Path()
    defects: int = 0
    changes: int = 0

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sources.values())

    @property
    def files(self) -> int:
        return sum(s.files for s in self.sources.values())


def generate_city(
    out: Path,
    persons: int = 20_000,
    seed: int = 42,
    defect_rate: float = 0.01,
    end_date: date = date(2026, 10, 3),
    progress: Callable[[str, int], None] | None = None,
    daily_days: int = 5,
) -> GenerateSummary:
    """Write OUT/<source id>/<YYYY-MM-DD>/<files> + _READY for all sources, and OUT/_truth/.

    `daily_days` daily batches end at end_date (synth.timeline.Timeline.ending: a longer
    span is the same kind of world delivered over more days, what a soak replays day by day).

    The same arguments give byte-identical files. A previous synthetic city in
    OUT (recognised by OUT/_truth) is replaced; any other non-empty source
    directory makes this refuse rather than mix deliveries.
    """
    if not 0 <= defect_rate <= 1:
        raise ValueError("defect_rate must lie in [0, 1]")
    if persons < 1:
        raise ValueError("persons must be at least 1")
    out = Path(out)
    registry = load_registry()
    _prepare(out, sorted(registry.sources))
    params = (int(seed), int(persons), end_date, float(defect_rate), int(daily_days))
    # GOVLAKE_SYNTH_WORKERS=1|2 overrides the choice (the files are the same either way)
    workers = int(os.environ.get("GOVLAKE_SYNTH_WORKERS", "0")) or (
        2 if persons >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 else 1
    )
    results: list[SourceResult] = []
    if workers <= 1:
        # one pass computes each block's layers once for every source
        everything = tuple(s for g in GROUPS for s in g)
        results = _run_group(params, everything, str(out), progress)
    else:
        results = _run_parallel(params, str(out), progress, workers)
    return _write_truth(out, registry, params, results)


def _prepare(out: Path, source_ids: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    ours = (out / TRUTH_DIR).is_dir()
    for sid in source_ids + [TRUTH_DIR]:
        d = out / sid
        if d.exists() and any(d.iterdir()):
            if not ours:
                raise FileExistsError(
                    f"{d} already holds files that are not a synthetic city; choose an empty directory"
                )
            shutil.rmtree(d)
    # claimed before writing, so a run that dies half-way can still be replaced
    (out / TRUTH_DIR).mkdir()


def _run_group(params, source_ids, out: str, progress) -> list[SourceResult]:
    from synth.sources import registry_of_generators

    seed, persons, end_date, rate, daily_days = params
    world = World(load_registry(), seed, persons, end_date, daily_days)
    gens_by_id = registry_of_generators()
    gens = []
    for sid in source_ids:
        split = persons // 2 if sid == "gaj.household_register" else 0
        sink = SourceSink(world, world.registry.sources[sid], Path(out), rate, progress, split)
        gens.append(gens_by_id[sid](world, sink))
    for g in gens:
        g.begin()
    for b in range(world.n_blocks):
        blk = world.block(b)
        for g in gens:
            g.block(blk)
    for g in gens:
        g.end()
    return [g.sink.close() for g in gens]


_QUEUE = None


def _init_worker(q) -> None:
    global _QUEUE
    _QUEUE = q


def _worker(params, source_ids, out: str) -> list[SourceResult]:
    q = _QUEUE
    report = (lambda sid, rows: q.put((sid, rows))) if q is not None else None
    return _run_group(params, source_ids, out, report)


def _run_parallel(params, out: str, progress, workers: int) -> list[SourceResult]:
    ctx = mp.get_context("spawn")  # no fork: the caller may hold threads (Airflow, rich)
    q = ctx.Queue()
    with ProcessPoolExecutor(
        max_workers=min(workers, len(GROUPS)), mp_context=ctx, initializer=_init_worker, initargs=(q,)
    ) as pool:
        futures = [pool.submit(_worker, params, g, out) for g in GROUPS]
        while not all(f.done() for f in futures):
            try:
                sid, rows = q.get(timeout=0.2)
            except queue.Empty:
                continue
            if progress:
                progress(sid, rows)
        results = [r for f in futures for r in f.result()]
    while progress:
        try:
            sid, rows = q.get_nowait()
        except queue.Empty:
            break
        progress(sid, rows)
    return results


def _write_truth(out: Path, registry, params, results: list[SourceResult]) -> GenerateSummary:
    seed, persons, end_date, rate, daily_days = params
    truth_dir = out / TRUTH_DIR
    truth_dir.mkdir(parents=True, exist_ok=True)
    by_id = {r.source_id: r for r in results}
    order = sorted(by_id)
    truth_path = truth_dir / "defects.csv"
    with open(truth_path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(Truth.HEADER)
        defects = 0
        for sid in order:
            w.writerows(by_id[sid].truth)
            defects += len(by_id[sid].truth)
    changes_path = truth_dir / "changes.csv"
    from synth.timeline import Timeline

    with open(changes_path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CHANGE_HEADER)
        n_changes = 0
        for row in irregularities(registry, Timeline.ending(end_date, daily_days)):
            w.writerow([row["source"], row["batch"], row["file"], "", "", "", row["kind"], row["old"], row["new"]])
            n_changes += 1
        for sid in order:
            w.writerows(by_id[sid].changes)
            n_changes += len(by_id[sid].changes)
    summary = GenerateSummary(
        out,
        persons,
        seed,
        rate,
        end_date,
        truth_path=truth_path,
        changes_path=changes_path,
        defects=defects,
        changes=n_changes,
    )
    for sid in order:
        r = by_id[sid]
        summary.sources[sid] = SourceSummary(r.batches, r.files, r.rows)
    return summary


__all__ = ["generate_city", "GenerateSummary", "SourceSummary"]
