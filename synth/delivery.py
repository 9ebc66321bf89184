"""A source's delivery: its batch files, the defects injected into them, their truth rows.

Sources hand records to a SourceSink with the batch (or batches, for a full
snapshot repeating a record) they belong to; the sink routes each to the file
(or part file), lets that file's Injector damage it, writes it and records what
was done. `_READY` is written into each batch directory after all its files are
closed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from govlake.registry import Source
from synth.batches import Batch
from synth.defects import (
    EXTRA_HEADER,
    FILE_KINDS,
    FORCED,
    Injector,
    SourceDefects,
    Truth,
)
from synth.formats import text
from synth.rng import stream
from synth.writers import (
    CsvWriter,
    GeoJsonWriter,
    JsonArrayWriter,
    JsonlWriter,
    Layout,
    Writer,
    XlsxWriter,
)

CHANGE_HEADER = ("source", "batch", "file", "line", "record_key", "column", "kind", "old", "new")


@dataclass
class SourceResult:
    source_id: str
    batches: int
    files: int
    rows: int
    truth: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)


class FileSink:
    def __init__(self, owner: SourceSink, batch: Batch, name: str, writer: Writer, injector: Injector) -> None:
        self.owner = owner
        self.batch = batch
        self.name = name
        self.writer = writer
        self.injector = injector

    def add(self, values: list, flags: int, notes, cache: dict) -> None:
        w, inj = self.writer, self.injector
        if inj.next_at != inj.seen + 1 and not inj.forced and not notes:
            # the common case: an undamaged record, formatted once for all snapshot files
            inj.seen += 1
            w.write(values, cache)
            return
        spec = self.owner.spec
        d = inj.draw(values, flags)
        if d is None:
            line = w.write(values, cache)
        elif d.op == "set":
            damaged = list(values)
            damaged[d.col] = d.injected
            line = w.write(damaged)
            self._truth(
                line,
                spec.record_key(damaged),
                spec.source.columns[d.col].name,
                d.kind,
                text(d.original),
                text(d.injected),
            )
        elif d.op == "duplicate":
            w.write(values, cache)
            line = w.write(values, cache)
            self._truth(line, spec.record_key(values), "|".join(spec.source.key), d.kind, "", "")
        elif d.op == "short":
            fields = w.layout.fields(values)
            dropped = w.layout.headers[-1]
            line = w.write_fields(fields[:-1])
            column = spec.source.headers.get(dropped, dropped)
            self._truth(
                line, spec.record_key(values), column, d.kind, f"{len(fields)} fields", f"{len(fields) - 1} fields"
            )
        elif d.op == "bytes":
            line = w.write_with_bad_byte(values, d.col)
            v = values[d.col]
            self._truth(
                line, spec.record_key(values), spec.source.columns[d.col].name, d.kind, v, v[:1] + "\\xff" + v[1:]
            )
        else:  # pragma: no cover
            raise AssertionError(d.op)
        if notes:
            key = spec.record_key(values)
            for column, kind, old, new in notes:
                self.owner.changes.append(
                    (spec.source.id, self.batch.dirname, self.name, line, key, column, kind, text(old), text(new))
                )

    def _truth(self, line: int, key: str, column: str, kind: str, original: str, injected: str) -> None:
        self.owner.truth.append(
            Truth(
                self.owner.spec.source.id, self.batch.dirname, self.name, line, key, column, kind, original, injected
            ).row()
        )


class SourceSink:
    def __init__(
        self,
        world,
        source: Source,
        out: Path,
        rate: float,
        progress: Callable[[str, int], None] | None = None,
        split_at: int = 0,
    ) -> None:
        self.world = world
        self.source = source
        self.spec = SourceDefects(world.registry, source)
        self.batches: list[Batch] = world.batches[source.id]
        self.truth: list[tuple] = []
        self.changes: list[tuple] = []
        self.rows = 0
        self._progress = progress
        self._next_report = 50_000
        self.split_at = split_at
        self.files: list[list[FileSink]] = []
        for batch in self.batches:
            d = out / source.id / batch.dirname
            d.mkdir(parents=True, exist_ok=True)
            parts = []
            for part, name in enumerate(batch.files):
                parts.append(self._open(batch, part, name, d / name, rate))
            self.files.append(parts)

    def _open(self, batch: Batch, part: int, name: str, path: Path, rate: float) -> FileSink:
        src = self.source
        r = random.Random(int(stream(self.world.seed, "defects", src.id, batch.index, part).integers(2**62)))
        forced = [k for k, sid, bi in FORCED if sid == src.id and bi == batch.index and part == 0] if rate > 0 else []
        headers = [c.header for c in src.columns]
        dropped, extra = None, None
        file_level = [k for k, _ in forced if k in FILE_KINDS]
        row_forced = [k for k in forced if k[0] not in FILE_KINDS]
        if src.format == "csv" and rate > 0:
            for kind in FILE_KINDS:
                if r.random() < rate and not file_level and not row_forced:
                    file_level.append(kind)
        if file_level:
            kind = file_level[0]
            if kind == "missing_column":
                keys = set(src.key)
                cand = [i for i, c in enumerate(src.columns) if c.name not in keys]
                optional = [i for i in cand if not src.columns[i].required]
                dropped = r.choice(optional or cand)
                self.truth.append(
                    Truth(
                        src.id, batch.dirname, name, 1, "", src.columns[dropped].name, kind, headers[dropped], ""
                    ).row()
                )
            else:
                extra = EXTRA_HEADER
                self.truth.append(Truth(src.id, batch.dirname, name, 1, "", EXTRA_HEADER, kind, "", EXTRA_HEADER).row())
        layout = Layout(headers, dropped, extra)
        if src.format == "csv":
            writer: Writer = CsvWriter(path, layout, src.encoding or "utf-8")
        elif src.format == "xlsx":
            writer = XlsxWriter(path, layout, src.sheet or "Sheet1", batch.date)
        elif src.format == "json":
            writer = JsonArrayWriter(path, layout)
        elif src.format == "jsonl":
            writer = JsonlWriter(path, layout)
        else:
            writer = GeoJsonWriter(path, layout, geometry=src.column_names.index("geometry"))
        # a file with a wrong header is rejected whole, so damage inside it could never be seen
        injector = Injector(self.spec, 0.0 if file_level else rate, r, row_forced, dropped)
        return FileSink(self, batch, name, writer, injector)

    def add(self, target: int | tuple[int, ...], values: list, flags: int = 0, notes=None) -> None:
        cache: dict = {}
        files = self.files
        if target.__class__ is int:
            target = (target,)
        for t in target:
            parts = files[t]
            f = parts[0]
            if len(parts) > 1 and f.writer.rows >= self.split_at:
                f = parts[1]
            inj = f.injector
            if inj.next_at != inj.seen + 1 and not inj.forced and not notes:
                # the common case, inlined: an undamaged record, formatted once for all files
                inj.seen += 1
                f.writer.write(values, cache)
            else:
                f.add(values, flags, notes, cache)
        self.rows += len(target)
        if self._progress and self.rows >= self._next_report:
            self._next_report = self.rows + 50_000
            self._progress(self.source.id, self.rows)

    def close(self) -> SourceResult:
        rows = 0
        for parts in self.files:
            for f in parts:
                f.writer.close()
                rows += f.writer.rows
        for batch in self.batches:
            (self.world_out_dir(batch) / "_READY").write_bytes(b"")
        if self._progress:
            self._progress(self.source.id, rows)
        files = sum(len(p) for p in self.files)
        truth = sorted(self.truth, key=lambda t: (t[1], t[2], t[3], t[6]))
        changes = sorted(self.changes, key=lambda t: (t[1], t[2], t[3], t[5]))
        return SourceResult(self.source.id, len(self.batches), files, rows, truth, changes)

    def world_out_dir(self, batch: Batch) -> Path:
        return self.files[batch.index][0].writer.path.parent
