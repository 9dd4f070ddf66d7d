"""One writer per session: an flock on the session's .lock file, waited for briefly."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from session_tui.errors import SessionBusy
from session_tui.store.atomic import storage_errors


class SessionLock:
    """Exclusive, process-wide lock; the kernel drops it when the holder dies (even by SIGKILL)."""

    def __init__(self, path: Path, name: str, timeout_s: float = 3.0) -> None:
        self.path = path
        self.name = name
        self.timeout_s = timeout_s
        self._fd: int | None = None

    def acquire(self) -> None:
        with storage_errors("lock", self.path):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_pid(fd)
                    os.close(fd)
                    who = f" (pid {holder})" if holder else ""
                    raise SessionBusy(
                        f"Session {self.name!r} is in use by another session-tui process{who}; "
                        "try again when it has finished."
                    ) from None
                time.sleep(0.05)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        except OSError:
            pass  # the pid only helps the busy message; a full disk must not stop the lock
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SessionLock:
        self.acquire()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
