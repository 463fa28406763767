"""A cache of rendered PDFs on disk, keyed by a hash of everything that went into them.

Several gunicorn workers (and threads within each) share `instance/pack-cache/`:

- A pack is written to a temporary file in the same folder and moved into place with
  `os.replace`, which is atomic: a reader sees the whole file or none, never half of one.
- The same pack is never rendered twice at once. Within a process a lock per key holds
  other threads back; across processes on the host an exclusive `flock` on a lock file
  does the same. Whoever gets the lock second finds the file written and reuses it.
  Lock files are shared by keys with the same first two hex digits (256 at most), so
  they never pile up.
- The folder is kept under a size and a file count: after each write the oldest packs
  beyond the limits are deleted (the next download of one simply renders it again).
- A folder that cannot be written (a read-only instance folder) costs a render per
  download, never a download: the pack is made and sent without being kept, and the
  operator is told in the log (core/health.py) and by /healthz.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

from ..core.health import is_storage_unwritable, report_unwritable

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_FILES = 1000


class PackCache:
    def __init__(
        self,
        folder: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_files: int = DEFAULT_MAX_FILES,
    ) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.max_files = max_files

    def path_for(self, key: str) -> Path:
        if not key.isalnum():  # keys are hex digests; nothing else may name a file here
            raise ValueError("a cache key is a hex digest")
        return self.folder / f"{key}.pdf"

    def get(self, key: str) -> bytes | None:
        """The cached PDF for `key`, or None. A damaged file counts as missing."""
        try:
            data = self.path_for(key).read_bytes()
        except FileNotFoundError:
            return None
        if not (data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")):
            return None
        return data

    def get_or_create(self, key: str, make: Callable[[], bytes]) -> bytes:
        """The cached PDF for `key`; if there is none, `make()` it (once, host-wide) and keep it."""
        found = self.get(key)
        if found is not None:
            return found
        data = None
        try:
            with self._locked(key):
                found = self.get(key)  # someone else may have made it while we waited
                if found is not None:
                    return found
                data = make()
                self._write(key, data)
        except OSError as error:
            if not is_storage_unwritable(error):
                raise
            report_unwritable(error)
            return data if data is not None else make()
        self.prune()
        return data

    def _write(self, key: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".writing-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path_for(key))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    # One lock per key within this process, with a count of the threads using it so the
    # registry forgets a lock only when nobody holds or waits for it.
    _registry_lock = threading.Lock()
    _thread_locks: ClassVar[dict[str, list]] = {}

    @contextlib.contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        lock_id = f"{self.folder}:{key}"
        with self._registry_lock:
            entry = self._thread_locks.setdefault(lock_id, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                lock_folder = self.folder / "locks"
                lock_folder.mkdir(parents=True, exist_ok=True)
                # Other processes: an exclusive flock, held while this pack is made.
                with open(lock_folder / f"{key[:2]}.lock", "a+b") as lock_file:
                    fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
                    try:
                        yield
                    finally:
                        fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
        finally:
            with self._registry_lock:
                entry[1] -= 1
                if entry[1] == 0:
                    self._thread_locks.pop(lock_id, None)

    def prune(self) -> None:
        """Delete the oldest packs until the folder is within its size and file limits.

        Half-written files left by a worker that died mid-write are deleted after an hour.
        """
        entries = []
        stale = time.time() - 3600
        with contextlib.suppress(FileNotFoundError), os.scandir(self.folder) as scan:
            for entry in scan:
                if not entry.is_file():
                    continue
                with contextlib.suppress(FileNotFoundError):
                    stat = entry.stat()
                    if entry.name.endswith(".pdf"):
                        entries.append((stat.st_mtime, stat.st_size, entry.path))
                    elif entry.name.startswith(".writing-") and stat.st_mtime < stale:
                        os.unlink(entry.path)
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes and len(entries) <= self.max_files:
            return
        entries.sort()
        count = len(entries)
        for _, size, path in entries:
            if total <= self.max_bytes and count <= self.max_files:
                break
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            total -= size
            count -= 1
