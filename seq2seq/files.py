"""Files on disk. Atomic writes: a reader (another session, a crashed run's resume) sees the old file or
the new one, never half of either; a failed write (a full disk) is a UserError naming the folder. Reads of
files a user may hand us (a checkpoint's JSON, a config): regular files only, any failure a UserError
naming the file. Bottom floor: data/, training/ and checkpoints all go through it."""
from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable

from seq2seq.errors import UserError

# Far above any JSON file this package writes (a character vocabulary, metrics, a config), yet bounded.
MAX_JSON_BYTES = 64 * 2**20
# The errors a full disk, a quota or the kernel's file-size limit (RLIMIT_FSIZE) give a write.
NO_SPACE = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


class WriteFailed(UserError, OSError):
    """A write the disk refused. Still an OSError (errno, strerror): callers that shrug off a cache they
    cannot write keep doing so; everyone else shows the message."""

    def __init__(self, path: Path, exc: OSError):
        super().__init__(exc.errno, exc.strerror or str(exc), str(path))
        reason = exc.strerror or str(exc)
        fix = "free some space there" if exc.errno in NO_SPACE else "make the folder writable"
        self.message = (f"cannot write {path.name} in {path.parent} ({reason}): {fix} or choose another folder, "
                        "then run again; the previous file is kept")

    def __str__(self) -> str:
        return self.message


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp) then rename tmp over path; the directory entry flips in one step."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteFailed(path, exc) from None
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes files private; checkpoints are meant to be shared
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, WriteFailed):
            raise WriteFailed(path, exc) from None
        raise


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def open_regular(path: Path | str) -> BinaryIO:
    """Open for reading a file a user may have handed us, refusing anything but a regular file: reading a
    FIFO waits forever for a writer, /dev/zero never ends. O_NONBLOCK lets the open of a FIFO return at once
    so that it can be looked at; OSError (a missing file, say) is left to the caller."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UserError(f"{path} is {_kind(mode)}, not a file: give the path of a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def check_regular(path: Path | str) -> None:
    """For files a library opens by name (safetensors would block on a FIFO): refuse anything but a regular
    file, as open_regular does."""
    open_regular(path).close()


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def read_bytes(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of a regular file; UserError naming it when it is missing, unreadable or over `limit`."""
    try:
        with open_regular(path) as handle:
            data = handle.read() if limit is None else handle.read(limit + 1)
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if limit is not None and len(data) > limit:
        raise UserError(f"{path}: larger than {limit // 2**20} MB, far more than such a file holds; "
                        "give the right file")
    return data


def read_json(path: Path | str, what: str = "valid JSON") -> Any:
    """The JSON value in a file a user may have handed us; UserError naming the file ("{path}: not {what}")
    for anything wrong with it: missing, not a regular file, unreadable, too large, not UTF-8, not JSON, or
    nested so deeply that the parser runs out of stack (RecursionError, which is no ValueError)."""
    data = read_bytes(path, MAX_JSON_BYTES)
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise UserError(f"{path}: not {what} (JSON nested too deeply to read); replace the file") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise UserError(f"{path}: not {what} ({exc}); replace the file") from None
