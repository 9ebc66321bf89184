"""Is the raw layer what was committed? Raw partitions checked against their manifests.

A raw part overwritten, truncated or deleted after its commit used to go unseen: an
unchanged delivery was reported "unchanged", `status` counted the rows, and a full
refresh rebuilt the curated layer short by them. Since manifest version 2 the manifest
records every part's bytes and sha256 (`parts`, runner._write_manifest), and:

* sizes — every part present with its recorded size, no other file in the partition
  (an extra `part-*.parquet` would add rows to every reader's glob) — and mtimes, a part
  whose mtime is not the recorded one (written to since, or copied) being hashed at
  once, are checked whenever a partition is looked at: each ingest run (the "unchanged"
  path of ingest_batch, and ingest_landing for partitions whose landing batch is gone),
  `govlake status`, `govlake verify`, before any dbt build; the Airflow sensor
  (conductor.pipeline.pending_batches) checks sizes only, at each poke. A stat per part.
  A lake copied without keeping mtimes has its parts hashed at each look until they are
  re-ingested.
* sha256 checksums of every part — which also catch bytes changed in place with size
  and mtime kept — are checked when due: a partition whose last full verification is
  older than `checksum_every_days` (ingest/verify.yaml) is hashed by the next ingest run
  that looks at it; `govlake verify --checksums` and a full refresh hash every partition.
  Hashing a 17,129,839-byte part (300,000 household rows of a city generated with
  `govlake generate --persons 300000`) took 12.4 ms in each of three runs (sha256_file,
  page cache warm), against 1.25 s to read and write that batch (`read_write_s` in its
  manifest, one run): part sums are computed after each part is closed (and fsynced, so
  still in the page cache) rather than inside the writer, which would need a hashing
  file wrapper to save ~1 % of a batch's time.
  The time of the last full verification lives in `raw/<source>/.verified.<date>.json`,
  next to the batch's lock and journal and written under that lock: the manifest
  belongs to the commit protocol, and a file inside the partition would be "unexpected".
  A commit counts as a verification (its sums were just taken).

Damage is healed by re-ingesting the batch when its landing directory still holds the
same delivery (runner.ingest_batch); otherwise it is an error naming the partition.

Manifests of version 1 (no `parts`) are adopted once: each part's footer must still say
what the manifest says (row count, the delivered file's sha256 in `govlake.file_sha256`)
and be readable, then the parts' bytes and sha256 are recorded into the manifest with
`parts_adopted_at`. Adopted rather than re-ingested: re-ingesting every batch of an
existing lake costs a full read of the landing zone and gives every raw part a new
mtime, which makes the next dbt build rebuild every source; a part already damaged at
adoption fails its footer check (truncation, deletion) — only bytes overwritten in place
before the upgrade would be adopted as they are, and the note in the manifest says so.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from govlake.settings import Lake
from ingest.manifest import MANIFEST, MANIFEST_VERSION, SUCCESS, read_json_file, sha256_file
from ingest.quarantine import write_json_atomic

CONFIG = Path(__file__).with_name("verify.yaml")
EXPECTED = frozenset({MANIFEST, SUCCESS})  # besides the parts the manifest lists


@dataclass(frozen=True)
class Problem:
    """One way a raw partition differs from its manifest."""

    partition: Path
    part: str | None  # the file at fault, None for the partition as a whole
    kind: str  # missing | size | checksum | unexpected | manifest; at adoption also rows | unreadable
    detail: str

    @property
    def where(self) -> str:
        return f"raw/{self.partition.parent.name}/{self.partition.name}"

    def line(self) -> str:
        return f"{self.where}: {self.part + ': ' if self.part else ''}{self.detail}"


@dataclass
class Verification:
    """What looking at one partition found."""

    partition: Path
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checksummed: bool = False

    def summary(self) -> str:
        """The problems in one line (no newline: it goes into a table cell, a task log)."""
        return "; ".join(p.line() for p in self.problems)


@functools.cache
def checksum_every_days() -> float:
    doc = yaml.safe_load(CONFIG.read_text(encoding="utf-8")) if CONFIG.exists() else None
    return float((doc or {}).get("checksum_every_days", 7))


def part_sums(partition: Path) -> dict[str, dict]:
    """{part name: {"bytes", "sha256"}} of every part in a (staged) partition."""
    out = {}
    for p in sorted(partition.glob("part-*.parquet")):
        digest, size = sha256_file(p)
        out[p.name] = {"bytes": size, "sha256": digest, "mtime_ns": p.stat().st_mtime_ns}
    return out


def verify_partition(partition: Path, checksums: bool = False, *, hash_touched: bool = True) -> list[Problem]:
    """How a committed raw partition differs from its manifest ([] when it does not).

    Sizes and the set of files always, and the sha256 of a part whose mtime is not the
    recorded one (written since: a stat tells, the hash decides); sha256 of every part
    with `checksums`. `hash_touched=False` leaves out that mtime-prompted hash, for lookers
    that run often (sensor pokes, status). A manifest of version 1 has no part sizes:
    only presence is checked (see adopt_v1).
    """
    manifest = read_json_file(partition / MANIFEST)
    if not (partition / SUCCESS).exists() or manifest is None:
        missing = SUCCESS if not (partition / SUCCESS).exists() else MANIFEST
        return [Problem(partition, None, "manifest", f"{missing} missing or unreadable: not a committed partition")]
    parts = manifest.get("parts")
    if parts is None:  # version 1
        parts = {f["part"]: {} for f in manifest.get("files", []) if f.get("part")}
    problems = []
    present = {p.name: p for p in partition.iterdir()}
    for name in sorted(set(present) - set(parts) - EXPECTED):
        problems.append(Problem(partition, name, "unexpected", "a file the manifest does not list"))
    for name, want in sorted(parts.items()):
        path = present.get(name)
        if path is None or not path.is_file():
            problems.append(Problem(partition, name, "missing", "missing"))
            continue
        if "bytes" not in want:
            continue
        st = path.stat()
        if st.st_size != want["bytes"]:
            problems.append(
                Problem(partition, name, "size", f"{st.st_size:,} bytes, the manifest says {want['bytes']:,}")
            )
        elif (checksums or (hash_touched and st.st_mtime_ns != want.get("mtime_ns"))) and sha256_file(path)[0] != want[
            "sha256"
        ]:
            problems.append(
                Problem(partition, name, "checksum", "sha256 differs from the manifest's (bytes changed in place)")
            )
    return problems


def state_path(partition: Path) -> Path:
    return partition.parent / f".verified.{partition.name.removeprefix('batch=')}.json"


def checksums_due(partition: Path, now: datetime | None = None) -> bool:
    """Is the partition's last full verification older than checksum_every_days?"""
    manifest = read_json_file(partition / MANIFEST) or {}
    times = [manifest.get("ingested_at")]
    state = read_json_file(state_path(partition)) or {}
    if state.get("commit_id") == manifest.get("commit_id"):
        times.append(state.get("verified_at"))
    last = max((datetime.fromisoformat(t) for t in times if t), default=None)
    now = now or datetime.now(UTC)
    return last is None or now - last >= timedelta(days=checksum_every_days())


def verify_committed(partition: Path, checksums: bool | None = None) -> Verification:
    """Verify one committed partition, adopting a version-1 manifest first.

    checksums: True / False, or None for "when due" (checksums_due). A clean checksum
    pass is recorded as the partition's last full verification. Call with the batch lock
    held (ingest.commit.batch_lock): adoption rewrites the manifest.
    """
    v = Verification(partition)
    manifest = read_json_file(partition / MANIFEST)
    if manifest is not None and (partition / SUCCESS).exists() and manifest.get("parts") is None:
        v.problems = adopt_v1(partition, manifest)
        if v.problems:
            return v
        v.checksummed = True
        v.notes.append(
            f"raw/{partition.parent.name}/{partition.name}: manifest version 1 — part sizes and sha256 "
            "recorded now (parts_adopted_at), after each part's footer matched the manifest"
        )
        return v
    v.checksummed = checksums_due(partition) if checksums is None else checksums
    v.problems = verify_partition(partition, checksums=v.checksummed)
    if v.checksummed and not v.problems:
        record_verified(partition, manifest)
    return v


def record_verified(partition: Path, manifest: dict | None = None) -> None:
    manifest = manifest or read_json_file(partition / MANIFEST) or {}
    write_json_atomic(
        state_path(partition),
        {"commit_id": manifest.get("commit_id"), "verified_at": datetime.now(UTC).isoformat(), "checksums": True},
    )


def adopt_v1(partition: Path, manifest: dict) -> list[Problem]:
    """Record part sizes and sums into a version-1 manifest once its parts' footers match it."""
    import pyarrow.parquet as pq

    problems = verify_partition(partition)
    if problems:
        return problems
    for f in manifest.get("files", []):
        if not f.get("part"):
            continue
        try:
            meta = pq.ParquetFile(partition / f["part"]).metadata
        except Exception as e:  # any failure to read the footer is damage
            problems.append(Problem(partition, f["part"], "unreadable", f"footer unreadable: {type(e).__name__}"))
            continue
        footer = meta.metadata or {}
        if meta.num_rows != f.get("rows_written"):
            problems.append(
                Problem(
                    partition, f["part"], "rows", f"{meta.num_rows:,} rows, the manifest says {f['rows_written']:,}"
                )
            )
        elif footer.get(b"govlake.file_sha256", b"").decode() != f.get("sha256"):
            problems.append(Problem(partition, f["part"], "checksum", "its footer names another delivered file"))
    if problems:
        return problems
    manifest = {
        **manifest,
        "manifest_version": MANIFEST_VERSION,
        "parts": part_sums(partition),
        "parts_adopted_at": datetime.now(UTC).isoformat(),
        "parts_note": "recorded from the parts as found, after their footers matched this manifest",
    }
    write_json_atomic(partition / MANIFEST, manifest)
    record_verified(partition, manifest)
    return []


def committed_partitions(lake: Lake, sources: list[str] | None = None) -> list[tuple[str, str]]:
    """(source id, batch date) of every raw partition directory, by source and date."""
    if not lake.raw.is_dir():
        return []
    wanted = set(sources) if sources is not None else None
    out = []
    for src in sorted(p for p in lake.raw.iterdir() if p.is_dir() and not p.is_symlink()):
        if wanted is not None and src.name not in wanted:
            continue
        out += [(src.name, d.name.removeprefix("batch=")) for d in sorted(src.glob("batch=*")) if d.is_dir()]
    return out


def verify_raw(lake: Lake, sources: list[str] | None = None, checksums: bool | None = False) -> list[Verification]:
    """Verify every raw partition (or those of `sources`). One Verification per partition."""
    found = (
        verify_batch(lake, source_id, batch, checksums) for source_id, batch in committed_partitions(lake, sources)
    )
    return [v for v in found if v is not None]


def verify_batch(lake: Lake, source_id: str, batch: str, checksums: bool | None = False) -> Verification | None:
    """verify_committed under the batch's lock (None if the partition is gone meanwhile).
    No recovery of interrupted commits here: the raw swap is atomic, so a crash never
    leaves half a partition to mistake for damage."""
    from ingest.commit import batch_lock

    with batch_lock(lake, source_id, batch):
        partition = lake.raw_partition(source_id, batch)
        return verify_committed(partition, checksums) if partition.is_dir() else None


def damaged(partition: Path) -> bool:
    """The cheap check (sizes, presence; no hashing, no lock): for sensor pokes."""
    return bool(verify_partition(partition, hash_touched=False))
