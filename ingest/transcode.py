"""Decode a delivered file to UTF-8, chunk by chunk, without losing anything.

Why not let the engines decode: DuckDB's read_csv only knows utf-8/utf-16/latin-1
(see STACK-NOTES), and pyarrow's `encoding=` fails the whole file on the first bad
byte. So we decode ourselves with Python's C codecs in ~1 MiB blocks cut at a line
end (0x0A never occurs inside a GB18030 or UTF-8 multi-byte character, so a cut at
b"\\n" is always between characters) and hand UTF-8 to the CSV parser.

A block that decodes cleanly costs one C-level decode (plus one encode for
GB18030; valid UTF-8 passes through untouched). Only a block with an error is
redone line by line: each undecodable byte is replaced *in place* by a marker
``\\ufdd0<id>\\ufdd1`` and the original bytes of the line are kept in `bad_lines`.
Replacing in place (never dropping the line) keeps every delimiter, quote and
line break where it was, so the CSV parser still counts records exactly as in the
file and the marked record is found again by its marker and quarantined.

U+FDD0 and U+FDD1 are Unicode noncharacters, reserved for exactly this kind of
process-internal use. Should a delivery contain one anyway, its line is treated
like an undecodable one (reason "noncharacter") so markers stay unambiguous and
the original bytes still reach the quarantine.
"""
from __future__ import annotations

import codecs
import io
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

MARK_OPEN = "\ufdd0"
MARK_CLOSE = "\ufdd1"
MARK_RE = re.compile(f"{MARK_OPEN}(\\d+){MARK_CLOSE}")
_NATURAL_MARK_RE = re.compile(f"[{MARK_OPEN}{MARK_CLOSE}]")

CHUNK_SIZE = 1 << 20

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
class BadLine:
    """A physical line that could not be decoded as delivered."""

    id: int
    line: int  # 1-based physical line number in the file
    raw: bytes  # the original bytes of the line, without its line terminator
    reason: str  # "undecodable" | "noncharacter"
    offsets: list[int] = field(default_factory=list)  # byte offsets of the bad bytes in `raw`

    def detail(self, encoding: str) -> str:
        if self.reason == "noncharacter":
            return "contains a Unicode noncharacter (U+FDD0/U+FDD1) reserved for internal use"
        shown = ", ".join(
            f"0x{self.raw[o:o + 1].hex()} at byte {o + 1}" for o in self.offsets[:5] if o < len(self.raw)
        )
        more = f" and {len(self.offsets) - 5} more" if len(self.offsets) > 5 else ""
        return f"bytes not valid {encoding}: {shown}{more}"


# The codec error handler is process-global; the line it is marking is per thread.
_state = threading.local()


def _mark_handler(exc: UnicodeError):
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _state.offsets.append(exc.start)
    # Resume one byte later, not at exc.end: an error range may include an ASCII
    # byte (e.g. an incomplete 4-byte GB18030 sequence ends in a digit), and
    # re-decoding it keeps every structural byte (, " \n) in the output.
    return _state.marker, exc.start + 1


codecs.register_error("govlake.mark", _mark_handler)


def _collect_handler(exc: UnicodeError):
    """Like govlake.mark, for a whole block: a bare MARK_OPEN now, ids added after
    (resuming one byte later for the same reason)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _state.positions.append(exc.start)
    return MARK_OPEN, exc.start + 1


codecs.register_error("govlake.collect", _collect_handler)


class LineDecoder:
    """Decodes blocks of whole lines, marking and remembering bad lines."""

    def __init__(self, encoding: str | None):
        self.encoding = encoding or "utf-8"
        self.codec = codec_for(encoding)
        self.bad_lines: dict[int, BadLine] = {}
        self.by_line: dict[int, BadLine] = {}

    def decode_block(self, block: bytes, first_line: int) -> tuple[str, bool]:
        """(text, clean). `first_line` is the file line number of the block's first line.

        One C-level decode whatever the block holds: the error handler costs nothing
        until a bad byte appears, and then only records where. (Trying a strict
        decode first and redoing failed blocks cost 60% more on a delivery with a bad
        byte every few thousand lines, i.e. in almost every block.)
        """
        positions: list[int] = []
        _state.positions = positions
        try:
            text = block.decode(self.codec, "govlake.collect")
        finally:
            _state.positions = None
        if not positions:
            if MARK_OPEN in text or MARK_CLOSE in text:  # a delivered noncharacter
                return self._line_by_line(block, first_line), False
            return text, True
        if MARK_CLOSE in text or text.count(MARK_OPEN) != len(positions):
            return self._line_by_line(block, first_line), False
        return self._number_marks(block, first_line, text, positions), False

    def _number_marks(self, block: bytes, first_line: int, text: str, positions: list[int]) -> str:
        """Give each bare mark the id of its line, and remember the line's bytes."""
        pieces = text.split(MARK_OPEN)  # one more piece than there were bad bytes
        out = [pieces[0]]
        line, counted_to = first_line, 0
        current: BadLine | None = None
        current_start = -1
        for pos, piece in zip(positions, pieces[1:]):
            start = block.rfind(b"\n", 0, pos) + 1
            if start != current_start:
                line += block.count(b"\n", counted_to, start)
                counted_to = current_start = start
                end = block.find(b"\n", pos)
                raw = block[start:end if end >= 0 else len(block)]
                current = BadLine(len(self.bad_lines), line, raw[:-1] if raw.endswith(b"\r") else raw,
                                  "undecodable", [])
                self.bad_lines[current.id] = self.by_line[current.line] = current
            current.offsets.append(pos - start)
            out.append(f"{MARK_OPEN}{current.id}{MARK_CLOSE}")
            out.append(piece)
        return "".join(out)

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
            bad_id = len(self.bad_lines)
            marker = f"{MARK_OPEN}{bad_id}{MARK_CLOSE}"
            offsets: list[int] = []
            if text is None:
                _state.marker, _state.offsets = marker, offsets
                try:
                    text = line.decode(self.codec, "govlake.mark")
                finally:
                    _state.marker, _state.offsets = None, None
                reason = "undecodable"
            else:
                text = _NATURAL_MARK_RE.sub(marker, text)
                reason = "noncharacter"
            raw = line[:-1] if line.endswith(b"\r") else line
            bl = BadLine(bad_id, first_line + i, raw, reason, offsets)
            self.bad_lines[bad_id] = self.by_line[bl.line] = bl
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
        return data[len(bom):], True
    return data, False


class Transcoder(io.RawIOBase):
    """A readable binary stream of the file's text as UTF-8, for pyarrow's CSV reader.

    With `skip_header=True` the first physical line is held back as
    `header_text` (None if undecodable, see `header_error`) and the stream starts
    at line 2, so the CSV parser's row numbers are record numbers, header excluded.
    `hasher` (a hashlib object) is fed the raw bytes as they are read.
    """

    def __init__(self, path: Path, encoding: str | None, *, skip_header: bool = False,
                 chunk_size: int = CHUNK_SIZE, hasher=None):
        super().__init__()
        self.path = Path(path)
        self.decoder = LineDecoder(encoding)
        self.skip_header = skip_header
        self.chunk_size = chunk_size
        self.hasher = hasher
        self.bom = False
        self.header_text: str | None = None
        self.header_error: str | None = None
        self.bytes_in = 0
        # Whether record n simply starts on line n+1 (n+0 without a held-back
        # header): no quotes (so no multi-line values), no blank lines, no lone CR.
        # Noted per block with C-level scans, so messages about bad rows need no
        # second pass over a file that has none of these.
        self.plain_lines = True
        self._f = open(self.path, "rb")
        self._pending = b""
        self._eof = False
        self._started = False
        self._next_line = 1
        self._buf = b""
        self._pos = 0

    # -- io.RawIOBase ---------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        pieces, want = [], n if n is not None and n >= 0 else None
        while want is None or want > 0:
            if self._pos >= len(self._buf):
                self._buf, self._pos = self._next_block(), 0
                if not self._buf:
                    break
            end = len(self._buf) if want is None else min(len(self._buf), self._pos + want)
            piece = self._buf[self._pos:end]
            self._pos = end
            pieces.append(piece)
            if want is not None:
                want -= len(piece)
        return b"".join(pieces)

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
        return self._started and self._pos >= len(self._buf) and self._eof and not self._pending

    @property
    def bad_lines(self) -> dict[int, BadLine]:
        return self.decoder.bad_lines

    def bad_lines_at(self, line: int) -> BadLine | None:
        return self.decoder.by_line.get(line)

    def start(self) -> None:
        """Read up to the end of the header line (if skipping it) without emitting data."""
        if not self._started:
            self._buf, self._pos = self._next_block(), 0

    def _read_raw(self) -> bytes:
        chunk = self._f.read(self.chunk_size)
        if self.hasher is not None and chunk:
            self.hasher.update(chunk)
        self.bytes_in += len(chunk)
        return chunk

    def _take_block(self) -> bytes:
        """The next run of whole lines from the file (the rest of it at EOF)."""
        data = self._pending
        while not self._eof:
            chunk = self._read_raw()
            if not chunk:
                self._eof = True
                break
            data += chunk
            cut = data.rfind(b"\n")
            if cut >= 0:
                self._pending = data[cut + 1:]
                return data[: cut + 1]
        self._pending = b""
        return data

    def _next_block(self) -> bytes:
        while True:
            block = self._take_block()
            if not self._started:
                self._started = True
                block, self.bom = strip_bom(block, self.decoder.codec)
                if self.skip_header:
                    block = self._split_header(block)
            if not block:
                if self._eof and not self._pending:
                    return b""
                continue
            if self.plain_lines and (b'"' in block or b"\n\n" in block or b"\n\r\n" in block
                                     or block.startswith((b"\n", b"\r\n"))
                                     or block.count(b"\r") != block.count(b"\r\n")):
                self.plain_lines = False
            text, clean = self.decoder.decode_block(block, self._next_line)
            self._next_line += block.count(b"\n")
            if clean and self.decoder.codec == "utf-8":
                return block  # already valid UTF-8: pass the bytes through
            return text.encode("utf-8")

    def _split_header(self, block: bytes) -> bytes:
        # The header may be longer than one block only in absurd files; keep reading.
        while b"\n" not in block and not self._eof:
            more = self._take_block()
            if not more:
                break
            block += more
        cut = block.find(b"\n")
        header, rest = (block, b"") if cut < 0 else (block[:cut], block[cut + 1:])
        if header.endswith(b"\r"):
            header = header[:-1]
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
