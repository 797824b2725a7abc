"""One run owns a reports folder: a second run into the same folder would mix its files with the first's.

The lock is an advisory `flock` on `FOLDER/.destwatch.lock`, which holds the owner's pid while it runs. The
operating system releases the lock of a process that dies, so a lock file still naming a pid but not
locked was left by a process that ended without cleaning up: it is taken over, and said so.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from destwatch.errors import ConfigError

__all__ = ["LOCK_FILE", "owning"]

LOCK_FILE = ".destwatch.lock"


@contextlib.contextmanager
def owning(folder: Path, *, say: Callable[[str], None]) -> Iterator[None]:
    """Hold `folder` for this process; `ConfigError` naming the holder's pid when another run holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _pid_in(fd) or "unknown"
            raise ConfigError(
                f"another destwatch run (pid {holder}) is writing its reports there",
                key="--reports",
                file=folder,
                fix="wait for it, or pass another --reports folder",
            ) from None
        left = _pid_in(fd)
        if left:
            say(f"destwatch: {folder}: took over the lock left by pid {left}, which ended without freeing it")
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            # Emptied, not removed: a run waiting on this very file must not lock an unlinked one.
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def _pid_in(fd: int) -> str:
    return os.pread(fd, 32, 0).decode(errors="replace").strip()
