"""The server's connections send each message at once: TCP_NODELAY on its listening sockets, which
Linux copies to every connection they accept (studio/shared/no_delay.py; the 40 ms it saves a click
is measured by benchmarks/latency.py, not here)."""
from __future__ import annotations

import asyncio
import os
import socket
import sys

import pytest

from studio.shared import warm_up
from studio.shared.no_delay import no_delay_on_listening_sockets

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="accepted sockets inherit TCP_NODELAY on Linux")


def nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def listening() -> socket.socket:
    """As Streamlit's server binds: protocol 0, which asyncio does not take for TCP."""
    server = socket.socket(family=socket.AF_INET)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


def accepted(server: socket.socket) -> tuple[socket.socket, socket.socket]:
    client = socket.create_connection(server.getsockname())
    connection, _ = server.accept()
    return client, connection


def test_a_connection_accepted_by_such_a_socket_keeps_nagle_on_by_default():
    with listening() as server:
        client, connection = accepted(server)
        with client, connection:
            assert nodelay(connection) == 0  # what the server did before: the reason for the module


def test_connections_accepted_after_the_call_send_at_once():
    with listening() as server, listening() as other:
        assert no_delay_on_listening_sockets() >= 2
        client, connection = accepted(server)
        with client, connection:
            assert nodelay(connection) == 1
            assert nodelay(server) == 1 and nodelay(other) == 1
            assert connection.fileno() != -1 and server.fileno() != -1  # the process's own sockets stay open


def test_no_descriptor_is_left_open():
    with listening():
        before = sorted(os.listdir("/proc/self/fd"))
        for _ in range(3):
            no_delay_on_listening_sockets()
        assert sorted(os.listdir("/proc/self/fd")) == before


def test_only_listening_tcp_sockets_are_touched():
    with listening() as server, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagrams:
        client, connection = accepted(server)
        with client, connection:
            no_delay_on_listening_sockets()
            assert nodelay(client) == 0 and nodelay(connection) == 0  # connected sockets are left as they are
            datagrams.sendto(b"still open", server.getsockname())


def test_the_app_lifespan_sets_it_before_the_server_accepts(monkeypatch):
    monkeypatch.setattr(warm_up, "warm", lambda: None)  # the model warm-up is not what this checks

    async def start_and_stop():
        async with warm_up.lifespan(None):
            pass

    with listening() as server:
        asyncio.run(start_and_stop())
        client, connection = accepted(server)
        with client, connection:
            assert nodelay(connection) == 1
