"""Decode a delivered file to UTF-8, block by block, without losing anything.

Why not let the engines decode: DuckDB's read_csv only knows utf-8/utf-16/latin-1
(see STACK-NOTES), and pyarrow's `encoding=` fails the whole file on the first bad
byte. So we decode ourselves with Python's C codecs in ~4 MiB blocks cut at a line
end (0x0A never occurs inside a GB18030 or UTF-8 multi-byte character, so a cut at
b"\\n" is always between characters) and hand UTF-8 to the CSV parser. Python's
gb18030 codec is the reference mapping (glibc's iconv maps some codes otherwise).

Each block costs one C-level decode (plus one encode for GB18030; valid UTF-8
passes through untouched), whatever it holds: the codec calls our error handler
only for an undecodable byte, which it replaces *in place* by its line's marker
``\\ufdd0<id>\\ufdd1``, keeping the line's original bytes in `bad_lines`.
Replacing in place (never dropping the line) keeps every delimiter, quote and line
break where it was, so the CSV parser still counts records exactly as in the file
and the marked record is found again and quarantined (readers/marks.py).

A line longer than `max_line` bytes (ingest/limits.yaml max_line_bytes) is never
held in memory: once the unfinished line carried from block to block exceeds it, the
rest of the line is read past in chunks (hashed, counted, its first bytes kept) up to
its line feed. A long line that did fit in a block is found there with one numpy
comparison of its line lengths. Either way the line is replaced, in place, by one
undecodable byte (0xFF: no GB18030 or UTF-8 sequence), so it gets its line's marker
like any undecodable line and every reader quarantines its record through the same
path; its BadLine then says `line_too_large` and keeps the first bytes, size and
sha256 (LongLine). A CSV reader that cannot tell where the long line's record ends
(an odd number of quote characters in it) rejects the file instead (csv_stream.py).

U+FDD0 and U+FDD1 are Unicode noncharacters, reserved for exactly this kind of
process-internal use. Should a delivery contain one anyway, its line is treated
like an undecodable one (reason "noncharacter") so markers stay unambiguous and
the original bytes still reach the quarantine.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.lines import Layout

MARK_OPEN = "\ufdd0"
MARK_CLOSE = "\ufdd1"
MARK_RE = re.compile(f"{MARK_OPEN}(\\d+){MARK_CLOSE}")
_NATURAL_MARK_RE = re.compile(f"[{MARK_OPEN}{MARK_CLOSE}]")

CHUNK_SIZE = 4 << 20  # raw bytes per block: each becomes one parser batch (1 MiB decoded no faster)
LONG_LINE_STANDIN = b"\xff"  # what a line over the limit becomes: one undecodable byte

_BOMS = {"utf-8": b"\xef\xbb\xbf", "gb18030": "\ufeff".encode("gb18030")}


def codec_for(encoding: str | None) -> str:
    """Python codec for a registry encoding. GBK files are GB18030 files (a superset)."""
    enc = (encoding or "utf-8").lower().replace("_", "-")
    if enc in ("gb18030", "gbk", "gb2312"):
        return "gb18030"
    if enc in ("utf-8", "utf8", "utf-8-sig"):
        # A BOM is stripped (and recorded) for utf-8 too: it is never data.
        return "utf-8"
    raise ValueError(f"unsupported encoding {encoding!r}")


@dataclass
class LongLine:
    """A physical line over the line limit, read past: what is known of it."""

    size: int  # bytes up to its line feed (a CR before it included)
    sha256: str
    prefix: bytes  # its first bytes
    quotes: int  # how many quote characters it holds (CSV: can its record be found?)
    limit: int
    line: int | None = None  # 1-based physical line number, once known

    @classmethod
    def of(cls, raw, limit: int, keep: int) -> LongLine:
        return cls(len(raw), hashlib.sha256(raw).hexdigest(), bytes(raw[:keep]), raw.count(b'"'), limit)


@dataclass
class BadLine:
    """A physical line that could not be decoded as delivered (or was too long to read)."""

    id: int
    line: int  # 1-based physical line number in the file
    raw: bytes  # the original bytes of the line, without its line terminator (a long line: its first bytes)
    reason: str  # "undecodable" | "noncharacter" | "line_too_large"
    offsets: list[int] = field(default_factory=list)  # byte offsets of the bad bytes in `raw`
    long: LongLine | None = None

    @property
    def marker(self) -> str:
        return f"{MARK_OPEN}{self.id}{MARK_CLOSE}"

    def detail(self, encoding: str) -> str:
        if self.long is not None:
            return (
                f"line of {self.long.size} bytes, over the limit of {self.long.limit} bytes (max_line_bytes in "
                f"ingest/limits.yaml): read past, not loaded; sha256 {self.long.sha256}; kept here: its first "
                f"{len(self.raw)} bytes; the whole line is in the delivered file, still in landing"
            )
        if self.reason == "noncharacter":
            return "contains a Unicode noncharacter (U+FDD0/U+FDD1) reserved for internal use"
        shown = ", ".join(
            f"0x{self.raw[o : o + 1].hex()} at byte {o + 1}" for o in self.offsets[:5] if o < len(self.raw)
        )
        more = f" and {len(self.offsets) - 5} more" if len(self.offsets) > 5 else ""
        return f"bytes not valid {encoding}: {shown}{more}"


# The codec error handler is process-global; what it is marking is per thread.
_state = threading.local()


def _mark_handler(exc: UnicodeError):
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    # Resume one byte later, not at exc.end: an error range may include an ASCII
    # byte (e.g. an incomplete 4-byte GB18030 sequence ends in a digit), and
    # re-decoding it keeps every structural byte (, " \n) in the output.
    return _state.marker_at(exc.start), exc.start + 1


codecs.register_error("govlake.mark", _mark_handler)


class _BlockMarks:
    """The error handler's helper while a whole block is decoded: each bad byte is
    replaced by its line's marker, and a line's first bad byte registers the line.

    Numbering marks here, as the codec meets them, leaves the decoded text final:
    inserting ids afterwards (split at bare marks, join again) copied every block
    that had a bad byte. Decoding the 1M-row household file of the synthetic city
    (891 bad lines) took 0.92 s that way, 0.65–0.74 s this way (0.57 s without
    any marking).
    """

    def __init__(self, decoder: LineDecoder, block: bytes, first_line: int, lf: np.ndarray | None):
        self.decoder, self.block, self.first_line = decoder, block, first_line
        self.first_id = len(decoder.bad_lines)
        self.marks = 0
        self._lf = lf  # positions of the block's LFs, found on the first bad byte if not given
        self._line_start = -1
        self._current: BadLine | None = None

    def at(self, pos: int) -> str:
        block = self.block
        if self._lf is None:
            self._lf = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 0x0A)
        k = int(np.searchsorted(self._lf, pos))  # LFs before pos: the line's index in the block
        start = int(self._lf[k - 1]) + 1 if k else 0
        if start != self._line_start:  # positions only grow: a new bad line
            self._line_start = start
            end = int(self._lf[k]) if k < len(self._lf) else len(block)
            self._current = self.decoder.remember(self.first_line + k, block[start:end], "undecodable")
        self._current.offsets.append(pos - start)
        self.marks += 1
        return self._current.marker


def _occurrences(text: str, char: str, limit: int) -> int:
    """How often `char` occurs in `text`, counting no further than limit + 1.

    A find per marker: str.find skips ahead many times faster than str.count
    scans (0.3 ms vs 2 ms per 4 MiB block), and a block holds a few dozen marks.
    """
    n, i = 0, text.find(char)
    while i >= 0 and n <= limit:
        n += 1
        i = text.find(char, i + 1)
    return n


class LineDecoder:
    """Decodes blocks of whole lines, marking and remembering bad lines."""

    def __init__(self, encoding: str | None):
        self.encoding = encoding or "utf-8"
        self.codec = codec_for(encoding)
        self.bad_lines: dict[int, BadLine] = {}
        self.by_line: dict[int, BadLine] = {}

    def decode_block(self, block: bytes, first_line: int, lf: np.ndarray | None = None) -> tuple[str, bool]:
        """(text, clean). `first_line` is the file line number of the block's first
        line; `lf` the positions of its LFs, if the caller has them already.

        One C-level decode whatever the block holds: the error handler costs nothing
        until a bad byte appears. (Trying a strict decode first and redoing failed
        blocks cost 60% more on a delivery with a bad byte every few thousand lines,
        i.e. in almost every block.)
        """
        marks = _BlockMarks(self, block, first_line, lf)
        _state.marker_at = marks.at
        try:
            text = block.decode(self.codec, "govlake.mark")
        finally:
            _state.marker_at = None
        if not marks.marks:
            if MARK_OPEN in text or MARK_CLOSE in text:  # a delivered noncharacter
                return self._line_by_line(block, first_line), False
            return text, True
        if (
            _occurrences(text, MARK_OPEN, marks.marks) != marks.marks
            or _occurrences(text, MARK_CLOSE, marks.marks) != marks.marks
        ):
            # A delivered noncharacter next to bad bytes: markers would be ambiguous.
            self._forget_from(marks.first_id)
            return self._line_by_line(block, first_line), False
        return text, False

    def remember(self, line: int, raw: bytes, reason: str) -> BadLine:
        bl = BadLine(len(self.bad_lines), line, raw[:-1] if raw.endswith(b"\r") else raw, reason, [])
        self.bad_lines[bl.id] = self.by_line[bl.line] = bl
        return bl

    def too_long(self, long: LongLine) -> None:
        """The bad line its stand-in byte became is a line too long to read."""
        bl = self.by_line[long.line]
        bl.reason, bl.raw, bl.offsets, bl.long = "line_too_large", long.prefix, [], long

    def _forget_from(self, first_id: int) -> None:
        for i in range(first_id, len(self.bad_lines)):
            del self.by_line[self.bad_lines.pop(i).line]

    def _line_by_line(self, block: bytes, first_line: int) -> str:
        out = []
        for i, line in enumerate(block.split(b"\n")):
            try:
                text = line.decode(self.codec)
            except UnicodeDecodeError:
                text = None
            if text is not None and MARK_OPEN not in text and MARK_CLOSE not in text:
                out.append(text)
                continue
            bl = self.remember(first_line + i, line, "undecodable" if text is None else "noncharacter")
            if text is None:
                _state.marker_at = lambda pos, bl=bl: bl.offsets.append(pos) or bl.marker
                try:
                    text = line.decode(self.codec, "govlake.mark")
                finally:
                    _state.marker_at = None
            else:
                text = _NATURAL_MARK_RE.sub(bl.marker, text)
            out.append(text)
        return "\n".join(out)

    def lines_for(self, text: str) -> list[BadLine]:
        """The bad lines whose markers occur in `text` (a record or a value)."""
        seen = []
        for m in MARK_RE.finditer(text):
            bl = self.bad_lines.get(int(m.group(1)))
            if bl is not None and bl not in seen:
                seen.append(bl)
        return seen


def strip_bom(data: bytes, codec: str) -> tuple[bytes, bool]:
    bom = _BOMS[codec]
    if data.startswith(bom):
        return data[len(bom) :], True
    return data, False


class Transcoder(io.RawIOBase):
    """A readable binary stream of the file's text as UTF-8, for pyarrow's CSV reader.

    With `skip_header=True` the first physical line is held back as
    `header_text` (None if undecodable, see `header_error`) and the stream starts
    at line 2, so the CSV parser's row numbers are record numbers, header excluded.
    `hasher` (a hashlib object) is fed the raw bytes as they are read. A line over
    `max_line` bytes is read past and stands in as one undecodable byte (module doc).
    """

    def __init__(
        self,
        path: Path,
        encoding: str | None,
        *,
        skip_header: bool = False,
        chunk_size: int | None = None,
        hasher=None,
        max_line: int | None = None,
        keep: int = 1024,
    ):
        super().__init__()
        self.max_line = max_line  # longer lines are read past (see module doc)
        self.keep = keep  # bytes of such a line kept for the quarantine
        self.long_lines: list[LongLine] = []
        self._standin: LongLine | None = None  # the long line the block just returned stands for
        self.path = Path(path)
        self.decoder = LineDecoder(encoding)
        self.skip_header = skip_header
        self.chunk_size = chunk_size or CHUNK_SIZE
        self.hasher = hasher
        self.bom = False
        self.header_text: str | None = None
        self.header_error: str | None = None
        self.bytes_in = 0
        self.layout = Layout()  # for the CSV reader's line numbers, see lines.py
        self.first_line = 2 if skip_header else 1  # physical line number of the first line served
        self.body_offset = 0  # byte offset in the file of the first line served (after BOM, header)
        self._f = open(self.path, "rb")  # noqa: SIM115 - read for the reader's life, closed by close()
        self._held: bytes | None = None  # raw lines read by start(), not served yet
        self._pending = b""
        self._eof = False
        self._started = False
        self._next_line = 1
        self._buf = b""
        self._pos = 0
        self._served = False

    # -- io.RawIOBase ---------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        """Up to `n` bytes (all with n < 0). After the first call a read returns at
        most what is left of the current decoded block, so a reader asking for at
        least a block's size gets whole blocks without a copy (pyarrow accepts short
        reads; it needs a complete record in its *first* block, which therefore is
        filled up to `n`)."""
        if n is None or n < 0:
            pieces = [self._buf[self._pos :]]
            pieces += iter(self._next_block, b"")
            self._buf, self._pos = b"", 0
            return b"".join(pieces)
        data = self._take(n)
        if not self._served:
            self._served = True
            while data and len(data) < n:
                more = self._take(n - len(data))
                if not more:
                    break
                data += more
        return data

    def _take(self, n: int) -> bytes:
        if self._pos >= len(self._buf):
            self._buf, self._pos = self._next_block(), 0
        if self._pos == 0 and len(self._buf) <= n:
            self._pos = len(self._buf)
            return self._buf
        piece = self._buf[self._pos : self._pos + n]
        self._pos += len(piece)
        return piece

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._f.close()
        super().close()

    # -- decoding -------------------------------------------------------------------
    @property
    def at_eof(self) -> bool:
        """Nothing (more) to read: after start(), True for a header-only file."""
        return self._started and not self._held and self._pos >= len(self._buf) and self._eof and not self._pending

    @property
    def bad_lines(self) -> dict[int, BadLine]:
        return self.decoder.bad_lines

    def bad_lines_at(self, line: int) -> BadLine | None:
        return self.decoder.by_line.get(line)

    def start(self) -> None:
        """Read up to the end of the header line (if skipping it) without emitting data."""
        if not self._started:
            self._held = self._next_raw()

    def raw_blocks(self):
        """After start(): the rest of the file as blocks of whole, undecoded lines (only
        the file's last line may lack its LF), for a reader that decodes only what needs
        it (readers/csvplain.py). Not to be mixed with read().

        Each block is a bytearray of its own, which the reader may change in place
        (readers/csvplain.py blanks the lines it sets aside). The file is read into it
        directly (readinto): no bytes are copied on the way but the unfinished line
        carried over to the next block (the decoding path's joins were 22% of the
        memory-copy samples of a 1M-row GB18030 file)."""
        if not self._started:
            raise RuntimeError("raw_blocks() before start()")
        if self._held is not None:
            block, self._held = self._held, None
            if block:
                yield bytearray(block)
        while block := self._read_block_into():
            yield block
            self._standin = None

    def standing_in(self) -> LongLine | None:
        """The long line the block just served stands for (raw_blocks), if it does."""
        return self._standin

    def _read_past(self, parts: list) -> bytes:
        """Read past the rest of a line over the limit (the `parts` read of it so far):
        hash and count it, keep its first bytes; the rest after its LF is pending.
        Returns its stand-in line."""
        h, size, quotes = hashlib.sha256(), 0, 0
        prefix = b"".join(parts)[: self.keep]
        for p in parts:
            h.update(p)
            size += len(p)
            quotes += p.count(b'"')
        while True:
            chunk = self._read_raw()
            if not chunk:
                self._eof = True
                break
            cut = chunk.find(b"\n")
            piece = chunk if cut < 0 else chunk[:cut]
            h.update(piece)
            size += len(piece)
            quotes += piece.count(b'"')
            if cut >= 0:
                self._pending = chunk[cut + 1 :]
                break
        self._standin = LongLine(size, h.hexdigest(), prefix, quotes, self.max_line)
        self.long_lines.append(self._standin)
        return LONG_LINE_STANDIN + b"\n"

    def _read_block_into(self) -> bytearray:
        carry = self._pending
        self._pending = b""
        while not self._eof:
            buf = bytearray(len(carry) + self.chunk_size)
            buf[: len(carry)] = carry
            view = memoryview(buf)
            n = self._f.readinto(view[len(carry) :])
            if n and self.hasher is not None:
                self.hasher.update(view[len(carry) : len(carry) + n])
            view.release()
            self.bytes_in += n
            end = len(carry) + n
            if not n:
                self._eof = True
                del buf[end:]
                return buf
            cut = buf.rfind(b"\n", len(carry), end) if n else -1
            if cut < 0:  # a line longer than a chunk: carry it all on
                carry = bytes(buf[:end])
                if self.max_line is not None and len(carry) > self.max_line:
                    return bytearray(self._read_past([carry]))
                continue
            self._pending = bytes(buf[cut + 1 : end])
            del buf[cut + 1 :]
            return buf
        return bytearray(carry)

    def _read_raw(self) -> bytes:
        chunk = self._f.read(self.chunk_size)
        if self.hasher is not None and chunk:
            self.hasher.update(chunk)
        self.bytes_in += len(chunk)
        return chunk

    def _take_block(self) -> bytes:
        """The next run of whole lines from the file (the rest of it at EOF), with
        one copy at most: the previous chunk's unfinished line joined to this
        chunk's whole lines."""
        parts = [self._pending] if self._pending else []
        self._pending = b""
        while not self._eof:
            chunk = self._read_raw()
            if not chunk:
                self._eof = True
                break
            cut = chunk.rfind(b"\n")
            if cut < 0:
                parts.append(chunk)
                if self.max_line is not None and sum(map(len, parts)) > self.max_line:
                    return self._read_past(parts)
                continue
            self._pending = chunk[cut + 1 :]
            if not parts and cut == len(chunk) - 1:
                return chunk
            parts.append(memoryview(chunk)[: cut + 1])
            return b"".join(parts)
        return b"".join(parts)

    def _next_raw(self) -> bytes:
        """The next run of whole raw lines, BOM and header removed; b"" at the end."""
        if self._held is not None:
            block, self._held = self._held, None
            return block
        while True:
            block = self._take_block()
            if not self._started:
                self._started = True
                block, self.bom = strip_bom(block, self.decoder.codec)
                self.body_offset = len(_BOMS[self.decoder.codec]) if self.bom else 0
                if self.skip_header and self._standin is not None:
                    long, self._standin = self._standin, None
                    self.header_error = (
                        f"the header line is {long.size} bytes, over the line limit of {long.limit} bytes "
                        f"(max_line_bytes in ingest/limits.yaml)"
                    )
                    self._eof, self._pending = True, b""
                    return b""
                if self.skip_header:
                    block = self._split_header(block)
            if block or (self._eof and not self._pending):
                return block

    def _next_block(self) -> bytes:
        block = self._next_raw()
        if not block:
            return b""
        standin, self._standin = self._standin, None
        lf = self.layout.add(block)
        lines = lf.size
        if standin is not None:
            standin.line, long = self._next_line, [standin]
        else:
            block, long = self.cut_long_lines(block, lf, self._next_line)
            if long:
                lf = None  # the decoder finds the new block's LFs if it needs them
        text, clean = self.decoder.decode_block(block, self._next_line, lf)
        for ll in long:
            self.decoder.too_long(ll)
        self._next_line += lines
        if clean and self.decoder.codec == "utf-8":
            return block  # already valid UTF-8: pass the bytes through
        return text.encode("utf-8")

    def cut_long_lines(self, block, lf: np.ndarray, first_line: int):
        """(block with each line over the limit replaced by its stand-in, [LongLine]).
        One comparison of the block's line lengths (from its LF positions) when no
        line is too long, which is every block of an ordinary delivery."""
        if self.max_line is None or len(block) <= self.max_line:
            return block, []
        starts = np.concatenate(([0], lf + 1))
        ends = np.concatenate((lf, [len(block)]))
        too_long = np.flatnonzero(ends - starts > self.max_line)
        if too_long.size == 0:
            return block, []
        pieces, at, found = [], 0, []
        for k in too_long.tolist():
            s, e = int(starts[k]), int(ends[k])
            long = LongLine.of(block[s:e], self.max_line, self.keep)
            long.line = first_line + k
            found.append(long)
            pieces += [block[at:s], LONG_LINE_STANDIN]
            at = e
        self.long_lines += found
        return type(block)(b"".join([*pieces, block[at:]])), found

    def _split_header(self, block: bytes) -> bytes:
        # The header may be longer than one block only in absurd files; keep reading.
        while b"\n" not in block and not self._eof:
            more = self._take_block()
            if not more:
                break
            block += more
        cut = block.find(b"\n")
        header, rest = (block, b"") if cut < 0 else (block[:cut], block[cut + 1 :])
        self.body_offset += len(block) - len(rest)
        if header.endswith(b"\r"):
            header = header[:-1]
        if self.max_line is not None and len(header) > self.max_line:
            self.header_error = (
                f"the header line is {len(header)} bytes, over the line limit of {self.max_line} bytes "
                f"(max_line_bytes in ingest/limits.yaml)"
            )
            return rest
        try:
            self.header_text = header.decode(self.decoder.codec)
        except UnicodeDecodeError as e:
            self.header_error = f"header row is not valid {self.decoder.encoding}: {e.reason} at byte {e.start + 1}"
        self._next_line = 2
        return rest


def decode_whole(path: Path, encoding: str | None) -> tuple[str, LineDecoder, bool, bytes]:
    """Decode a whole (JSON / GeoJSON) file: (text, decoder with bad lines, bom, raw bytes)."""
    raw = Path(path).read_bytes()
    decoder = LineDecoder(encoding)
    body, bom = strip_bom(raw, decoder.codec)
    text, _ = decoder.decode_block(body, 1)
    return text, decoder, bom, raw
