"""feedsum's database, behind one typed store (storage/store.py). Outside storage/, import only
from this package itself, storage.rows (row types and states) and storage.keys (codecs)."""

from storage.answers import StaleRevision
from storage.db import BackupError, StorageError, backup_file
from storage.store import Store

__all__ = ["BackupError", "StaleRevision", "StorageError", "Store", "backup_file"]
