"""The delivery calendar: which batches each source sends, their dates and file names.

Daily sources send the last five days, monthly ones the last three 1sts,
quarterly ones the last two quarter starts. Three deliberate irregularities make
the calendar realistic (and testable): one daily series skips a day, one monthly
batch arrives late, and one batch is split into two part files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from govlake.registry import Registry, Source
from synth.timeline import Timeline, ed

# source -> index (in the regular series) of the daily batch that never came
MISSING_BATCH = {"wjw.death_record": 2}
# source -> (index, days late): the batch arrives after its slot
LATE_BATCH = {"swj.taxpayer": (1, 3)}
# source -> index of the batch delivered as name_part1 / name_part2
SPLIT_BATCH = {"gaj.household_register": 1}


@dataclass(frozen=True)
class Batch:
    source_id: str
    index: int
    date: date  # the directory date (when it arrived)
    slot: date  # the calendar slot it belongs to (differs for a late batch)
    files: tuple[str, ...]

    @property
    def dirname(self) -> str:
        return self.date.isoformat()

    @property
    def day(self) -> int:
        return ed(self.date)

    @property
    def slot_day(self) -> int:
        return ed(self.slot)


def file_name(source: Source, slot: date) -> str:
    name = source.file
    name = name.replace("YYYYMMDD", slot.strftime("%Y%m%d"))
    name = name.replace("YYYYMM", slot.strftime("%Y%m"))
    name = name.replace("YYYYQn", f"{slot.year}Q{(slot.month - 1) // 3 + 1}")
    return name


def _split(name: str) -> tuple[str, ...]:
    stem, _, ext = name.rpartition(".")
    return (f"{stem}_part1.{ext}", f"{stem}_part2.{ext}")


def source_batches(source: Source, timeline: Timeline) -> list[Batch]:
    slots = {
        "daily": timeline.daily,
        "monthly": timeline.monthly,
        "quarterly": timeline.quarterly,
    }[source.delivery.cadence]
    batches: list[Batch] = []
    for i, slot in enumerate(slots):
        if MISSING_BATCH.get(source.id) == i:
            continue
        when = slot
        late = LATE_BATCH.get(source.id)
        if late and late[0] == i:
            when = slot + timedelta(days=late[1])
        name = file_name(source, slot)
        files = _split(name) if SPLIT_BATCH.get(source.id) == i else (name,)
        batches.append(Batch(source.id, len(batches), when, slot, files))
    return batches


def schedule(registry: Registry, timeline: Timeline) -> dict[str, list[Batch]]:
    return {sid: source_batches(registry.sources[sid], timeline) for sid in sorted(registry.sources)}


def irregularities(registry: Registry, timeline: Timeline) -> list[dict[str, str]]:
    """The calendar's deliberate irregularities, as rows for changes.csv."""
    rows = []
    for sid, i in MISSING_BATCH.items():
        src = registry.sources[sid]
        slot = {"daily": timeline.daily, "monthly": timeline.monthly, "quarterly": timeline.quarterly}[
            src.delivery.cadence
        ][i]
        rows.append(
            {
                "source": sid,
                "batch": slot.isoformat(),
                "file": file_name(src, slot),
                "kind": "missing_batch",
                "old": slot.isoformat(),
                "new": "",
            }
        )
    for sid in LATE_BATCH:
        b = source_batches(registry.sources[sid], timeline)
        late = next(x for x in b if x.slot != x.date)
        rows.append(
            {
                "source": sid,
                "batch": late.dirname,
                "file": late.files[0],
                "kind": "late_batch",
                "old": late.slot.isoformat(),
                "new": late.date.isoformat(),
            }
        )
    for sid, i in SPLIT_BATCH.items():
        b = source_batches(registry.sources[sid], timeline)[i]
        rows.append(
            {
                "source": sid,
                "batch": b.dirname,
                "file": "|".join(b.files),
                "kind": "split_batch",
                "old": file_name(registry.sources[sid], b.slot),
                "new": "|".join(b.files),
            }
        )
    return rows
