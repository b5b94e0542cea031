"""Resumable, checksum-verified file download with the standard library only.

The file is streamed into `<dest>.part` and renamed onto `dest` only once it is complete
and verified, so `dest` is never half-written: code that finds `dest` can trust it. A cut
download leaves the `.part` behind and the next call asks the server for the rest.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from seq2seq.errors import UserError

Progress = Callable[[int, "int | None"], None]
CHUNK = 1 << 16
# Some hosts (manythings.org among them) answer 403 to urllib's default "Python-urllib" agent.
USER_AGENT = "Mozilla/5.0 (compatible; seq2seq-studio downloader)"


def partial_path(dest: Path) -> Path:
    return dest.with_suffix(dest.suffix + ".part")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(
    url: str,
    dest: Path,
    sha256: str | None,
    progress: Progress | None = None,
    timeout: float = 30,
) -> Path:
    """Download `url` to `dest`; `progress(bytes_done, total_or_None)` is called per chunk.

    An existing `dest` that matches `sha256` (or any existing `dest` when no checksum is
    known) is kept as is. Raises UserError for network, HTTP, disk or checksum problems.
    """
    dest = Path(dest)
    if dest.is_file() and (sha256 is None or file_sha256(dest) == sha256.lower()):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = partial_path(dest)
    _fetch_into(url, part, progress, timeout)
    if sha256 is not None:
        _verify(url, part, sha256.lower())
    os.replace(part, dest)  # Atomic on one filesystem: readers see no file or the whole file.
    return dest


def _verify(url: str, part: Path, expected: str) -> None:
    got = file_sha256(part)
    if got != expected:
        # A wrong file must not be resumed from, so it goes.
        part.unlink(missing_ok=True)
        raise UserError(
            f"{url}: checksum mismatch (expected sha256 {expected}, got {got}); "
            "the file was deleted. Try again; if it persists the file on the server has changed."
        )


def _fetch_into(url: str, part: Path, progress: Progress | None, timeout: float) -> None:
    have = part.stat().st_size if part.exists() else 0
    response = _request(url, part, have, timeout)
    if response is None:
        return  # The .part already holds the whole file.
    with response:
        offset, total = _resume_point(url, response, have)
        try:
            out = open(part, "ab" if offset else "wb")
        except OSError as err:
            raise UserError(f"cannot write {part}: {err.strerror or err}") from None
        with out:
            _copy(url, response, out, offset, total, progress)


def _request(url: str, part: Path, have: int, timeout: float):
    headers = {"User-Agent": USER_AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:
            # Range starts at or past the end: either the .part is complete, or it is stale.
            if _content_range_total(err.headers.get("Content-Range")) == have:
                return None
            part.unlink(missing_ok=True)
            return _request(url, part, 0, timeout)
        raise UserError(f"could not download {url}: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        reason = getattr(err, "reason", None) or err
        raise UserError(f"could not download {url}: {reason}; check the internet connection") from None


def _content_range_total(header: str | None) -> int | None:
    match = re.search(r"/(\d+)\s*$", header or "")
    return int(match.group(1)) if match else None


def _resume_point(url: str, response, have: int) -> tuple[int, int | None]:
    """(bytes already on disk to keep, full file size or None) for this response."""
    if response.status == 206:
        header = response.headers.get("Content-Range") or ""
        match = re.match(r"\s*bytes\s+(\d+)-", header)
        if not match or int(match.group(1)) != have:
            raise UserError(
                f"{url}: server resumed at the wrong place ({header!r}); delete the .part file and retry"
            )
        return have, _content_range_total(header)
    # 200: the server ignored the Range header, so the download starts over.
    length = response.headers.get("Content-Length")
    return 0, int(length) if length and length.isdigit() else None


def _copy(url: str, response, out, done: int, total: int | None, progress: Progress | None) -> None:
    while True:
        try:
            chunk = response.read(CHUNK)
        except (OSError, http.client.HTTPException):
            chunk = None
        if not chunk:
            break
        try:
            out.write(chunk)
        except OSError as err:
            raise UserError(f"cannot write {out.name}: {err.strerror or err}") from None
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    # http.client returns b"" rather than raising when the peer closes early, so the
    # byte count is the only reliable sign of a cut.
    if chunk is None or (total is not None and done < total):
        of_total = f" of {total}" if total is not None else ""
        raise UserError(
            f"download of {url} was cut after {done}{of_total} bytes; "
            "run it again to resume where it stopped"
        )
