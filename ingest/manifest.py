"""The partition manifest: what was delivered, what landed, and by which code.

`_manifest.json` sits inside raw/<source>/batch=<date>/ next to the parts and
`_SUCCESS`. It is written into the staging directory before the commit, so a
committed partition always has one. Its `delivery` block (file checksums + the
registry fingerprint of the source) is what makes a re-run of an unchanged batch
a no-op.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from govlake.registry import Source
from ingest.limits import limits
from ingest.names import printable_name

MANIFEST = "_manifest.json"
SUCCESS = "_SUCCESS"
# 2: `parts` records each raw part's bytes and sha256 (ingest/verify.py checks them).
MANIFEST_VERSION = 2
_HASH_CHUNK = 1 << 20


def sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def sha256_tree(path: Path) -> tuple[str, int]:
    """A checksum for a stray directory in a batch (rejected whole, so it needs one too)."""
    h = hashlib.sha256()
    size = 0
    for p in sorted(path.rglob("*")):
        if p.is_file():
            digest, n = sha256_file(p)
            h.update(f"{p.relative_to(path).as_posix()}\0{digest}\n".encode())
            size += n
    return h.hexdigest(), size


def checksum(path: Path) -> tuple[str, int]:
    return sha256_tree(path) if path.is_dir() else sha256_file(path)


@lru_cache(maxsize=1)
def code_version() -> str:
    """Project version + a digest of the ingest package's source: which code wrote a partition."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    try:
        from importlib.metadata import version

        base = version("govlake")
    except Exception:  # not installed (running from a checkout)
        base = "0+unknown"
    return f"{base}+ingest.{h.hexdigest()[:12]}"


def source_fingerprint(source: Source) -> str:
    """Digest of what decides the raw layout of a source: a change re-ingests its batches."""
    facts = {
        "format": source.format,
        "encoding": source.encoding,
        "sheet": source.sheet,
        "file": source.file,
        "columns": [[c.header, c.name] for c in source.columns],
        "limits": limits().for_format(source.format),  # what a limit refused may load once it is raised
    }
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def delivery_key(source: Source, sums: dict[str, tuple[str, int]]) -> dict:
    """The identity of a delivery: same key => re-running changes nothing.

    `sums` maps each delivered file name to (sha256, bytes).
    """
    return {
        "source_fingerprint": source_fingerprint(source),
        "files": {printable_name(name): {"sha256": sha, "bytes": size} for name, (sha, size) in sorted(sums.items())},
    }


def same_sizes(key: dict | None, sizes: dict[str, int]) -> bool:
    """Could this delivery equal the one `key` describes? (Only then is hashing first worth it.)"""
    if not key:
        return False
    files = key.get("files", {})
    return set(files) == set(sizes) and all(files[n].get("bytes") == sizes[n] for n in sizes)


def read_json_file(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_manifest(partition: Path) -> dict | None:
    """The manifest of a committed partition (None if absent or unreadable)."""
    if not (partition / SUCCESS).exists():
        return None
    return read_json_file(partition / MANIFEST)
