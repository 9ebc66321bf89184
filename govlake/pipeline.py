"""The task code of the pipeline, shared by the Airflow DAGs and `govlake run`.

Each function takes plain arguments and returns JSON-serialisable results, so
the same call works as an Airflow task (result in XCom) and in-process.
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from govlake.registry import load_registry
from govlake.settings import Lake


def landing_dir(lake: Lake, landing: Path | str | None = None) -> Path:
    return Path(landing).resolve() if landing else lake.landing


def pending_batches(source_id: str, lake: Lake, landing: Path | str | None = None) -> list[str]:
    """Complete batches not yet committed, or changed since their commit.

    Cheap on purpose (it runs at every sensor poke): a batch is pending when its
    partition has no _SUCCESS or a delivered file is newer than that _SUCCESS.
    The ingest task still compares checksums, so a false positive costs one no-op.
    """
    from ingest import find_complete_batches

    source = load_registry().source(source_id)
    pending = []
    for batch_dir in find_complete_batches(landing_dir(lake, landing), source):
        success = lake.raw_partition(source_id, batch_dir.name) / "_SUCCESS"
        if not success.exists():
            pending.append(batch_dir.name)
            continue
        committed = success.stat().st_mtime_ns
        if any(f.stat().st_mtime_ns > committed for f in batch_dir.iterdir() if f.is_file()):
            pending.append(batch_dir.name)
    return pending


def ingest_source(source_id: str, lake: Lake, landing: Path | str | None = None, progress=None) -> list[dict]:
    """Ingest every complete batch of one source; returns one dict per batch."""
    from ingest import ingest_landing

    results = ingest_landing(landing_dir(lake, landing), lake, sources=[source_id], progress=progress)
    return [_as_dict(r) for r in results]


def _as_dict(result) -> dict:
    d = asdict(result)
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in d.items()}


def transform(lake: Lake, quiet: bool = False, publish: bool = True, full_refresh: bool = False) -> dict:
    """Build the dbt project (staging, base libraries, themes) on the lake's raw layer and,
    when the build succeeded, publish the curated Parquet copies (result["curated"])."""
    from govlake.dbt_runner import run_dbt

    result = run_dbt(lake, "build", quiet=quiet, full_refresh=full_refresh).as_dict()
    result["curated"] = publish_curated(lake) if publish and result["success"] else []
    return result


def publish_curated(lake: Lake) -> list[dict]:
    """Write every base and theme table to curated/<library>/<table>.parquet."""
    from govlake import curated

    return [asdict(t) for t in curated.publish_curated(lake)]


def transform_failure(result: dict) -> str | None:
    """A one-paragraph reason when the dbt build did not succeed, else None."""
    if result["success"]:
        return None
    lines = [f"dbt build failed ({result['counts']})"]
    if result.get("error"):
        lines.append(result["error"])
    lines += [f"{p['unique_id']}: {p['status']} {p.get('message') or ''}".strip() for p in result["problems"][:10]]
    return "\n".join(lines)
