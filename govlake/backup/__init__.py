"""Backup and point-in-time restore of a whole lake (容灾备份): snapshots by checksum
(snapshot.py), the object store (store.py), restore (restore.py), verification (verify.py).

Reads only the lake and the backup directory: a core module, importing no stage."""

from govlake.backup.manifests import BackupError
from govlake.backup.restore import restore
from govlake.backup.snapshot import take
from govlake.backup.verify import verify_backup

__all__ = ["BackupError", "restore", "take", "verify_backup"]
