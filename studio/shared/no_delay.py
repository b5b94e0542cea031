"""Send each of the server's messages as soon as it is written (TCP_NODELAY on the server's sockets).

Streamlit's server creates its listening socket itself, with protocol 0, and asyncio turns Nagle's
algorithm off only for sockets whose protocol reads IPPROTO_TCP: so every browser connection kept it
on. A rerun answers with dozens of small websocket messages; with Nagle on, the second waits until
the browser acknowledges the first, and the browser delays that acknowledgement by up to 40 ms
(Linux's delayed ACK). Every click paid those 40 ms: the step page's Next took 48 ms from request to
`script_finished` of which the script itself ran 10 ms (benchmarks/README.md, 2026-12-06 evening).

Linux copies TCP_NODELAY from a listening socket to each connection it accepts, so setting it once on
the listening sockets, before the server accepts anyone (the app's lifespan runs then), covers every
connection. Elsewhere it does what that system does; nothing breaks.
"""
from __future__ import annotations

import os
import socket
import stat

_FD_FOLDERS = ("/proc/self/fd", "/dev/fd")


def no_delay_on_listening_sockets() -> int:
    """Turn Nagle's algorithm off on every listening TCP socket of this process; returns how many."""
    done = 0
    for fd in _open_descriptors():
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = _duplicate(fd)
        except OSError:  # closed meanwhile, or not a socket this system can inspect
            continue
        with sock:  # closing the duplicate leaves the server's own descriptor open
            done += _set_no_delay(sock)
    return done


def _set_no_delay(sock: socket.socket) -> bool:
    """Never raises: a server must start even where this fails."""
    try:
        if not _listening_tcp(sock):
            return False
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return True
    except OSError:
        return False


def _duplicate(fd: int) -> socket.socket:
    copy = os.dup(fd)
    try:
        return socket.socket(fileno=copy)
    except OSError:
        os.close(copy)
        raise


def _listening_tcp(sock: socket.socket) -> bool:
    return (sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM
            and bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)))


def _open_descriptors() -> list[int]:
    for folder in _FD_FOLDERS:
        try:
            return [int(name) for name in os.listdir(folder)]
        except OSError:
            continue
    return []
