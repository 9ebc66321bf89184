"""Delivered file names as the lake shows and stores them.

A name comes from the sender: it may hold bytes that are not UTF-8 (Python sees them
as surrogates, os.fsdecode), control characters, or be so long that the quarantine's
`<name>.reason.txt` or `rows/<name>.jsonl` would not fit in a directory entry (255 bytes).
`printable_name` is the name for reasons, logs, manifests and records (such bytes as
\\xNN, such characters as \\uNNNN); `stored_name` the name a file is kept under in the
quarantine: the name itself when it is printable and short, else a cut of the printable
name, "~" and a short hash of the original bytes, with its extension. Ordinary names
come back unchanged from both.
"""

from __future__ import annotations

import hashlib
import os

MAX_STORED_BYTES = 200  # + ".reason.txt", ".jsonl" or a staging prefix stays under 255


def printable_name(name: str) -> str:
    """The name as printable text; an ordinary (UTF-8, printable) name unchanged."""
    if name.isprintable():
        return name
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "".join(
        c if c.isprintable() else (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") for c in text
    )


def stored_name(name: str) -> str:
    """A name of at most MAX_STORED_BYTES printable UTF-8 bytes, unique per original name."""
    shown = printable_name(name)
    if shown == name and len(name.encode("utf-8")) <= MAX_STORED_BYTES:
        return name
    stem, dot, ext = shown.rpartition(".")
    if not dot or len(ext.encode("utf-8")) > 16:
        stem, dot, ext = shown, "", ""
    tail = "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:12] + dot + ext
    cut = stem.encode("utf-8")[: MAX_STORED_BYTES - len(tail.encode("utf-8"))].decode("utf-8", "ignore")
    return cut.replace("\\", "%") + tail  # no backslashes in a name on disk
