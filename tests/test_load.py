"""Twenty sessions at once against a real `streamlit run app.py`, and one cached model for all of them.

The sessions are websocket clients speaking Streamlit's protocol (benchmarks/load.py): lighter than
twenty browser tabs on a shared two-core machine, and they see exactly what the server sends. This
test checks correctness only; `python -m benchmarks.load` reports p50/p95 latency and server memory.
"""
from __future__ import annotations

import asyncio
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from benchmarks import app_server, load
from seq2seq.decoding import translator as decoding
from seq2seq.service import models as service
from studio.shared.selection import cached_translator
from studio.shared.text import escape_markdown

SESSIONS = 20
DEADLINE_S = 240  # the sessions give up (and the test fails) after this; they took 36 s on a busy 2-core machine


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with the repository's .streamlit/config.toml, no address override: its default binding."""
    runs = tmp_path_factory.mktemp("runs")  # other tests' runs must not appear in the model list
    env = {**os.environ, "SEQ2SEQ_RUNS_DIR": str(runs)}
    with app_server.running(env) as (url, _):
        # The first session pays for imports and the model load; that is not what the load test measures.
        asyncio.run(load.run_load(url, sessions=1, rounds=1, timeout=600))
        yield url, urllib.parse.urlsplit(url).port


def listening_addresses(port: int) -> set[str]:
    """Local addresses of sockets listening on `port`, from the kernel's own tables (hex, as it writes them)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1


def test_the_server_listens_on_loopback_only(server):
    _, port = server
    addresses = listening_addresses(port)
    assert addresses and addresses <= LOOPBACK, addresses


def test_an_upload_without_the_xsrf_token_is_refused(server):
    url, _ = server
    request = urllib.request.Request(f"{url}/_stcore/upload_file/some-session/some-file", data=b"--x--\r\n",
                                     method="PUT", headers={"Content-Type": "multipart/form-data; boundary=x"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403


@pytest.mark.slow
def test_twenty_sessions_translate_and_step_at_once(server, dates_translator):
    url, _ = server
    outcomes = asyncio.run(load.run_load(url, sessions=SESSIONS, rounds=1, timeout=DEADLINE_S))
    assert [e for o in outcomes for e in o.errors] == []
    shown = [pair for o in outcomes for pair in o.shown]
    assert len(shown) == SESSIONS and len({text for text, _ in shown}) == SESSIONS
    expected = dates_translator.translate([text for text, _ in shown])
    assert [headline for _, headline in shown] == ["#### " + escape_markdown(e) for e in expected]
    for outcome, (text, _) in zip(outcomes, shown):
        total = len(dates_translator.trace(text).steps)
        assert [shown.split(" :gray[")[0] for shown in outcome.steps] == [f"**Step 1 of {total}**",
                                                                          f"**Step 2 of {total}**"]
    for kind, figures in load.summary(outcomes).items():  # shown with -s; the benchmark records them
        print(f"{kind}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms (n={figures['n']})")


class CountingLoads:
    """Wraps the real loader and counts how often a checkpoint is read from disk."""

    def __init__(self, real):
        self.real, self.calls = real, 0

    def __call__(self, path):
        self.calls += 1
        return self.real(path)


def rss_mb() -> float:
    return load.rss_mb(os.getpid())


def test_a_thousand_requests_share_one_cached_model_and_memory_stays_flat(monkeypatch):
    counter = CountingLoads(decoding.load_checkpoint)
    monkeypatch.setattr(decoding, "load_checkpoint", counter)  # where a translator reads its checkpoint
    cached_translator.clear()
    info = service.find_model("dates")
    texts = load.sentences(1000)
    for text in texts[:50]:  # warm-up: the first calls allocate buffers that are then reused
        cached_translator(str(info.path), info.version).translate([text])
    before = rss_mb()
    outputs = [cached_translator(str(info.path), info.version).translate([text])[0] for text in texts[50:]]
    growth = rss_mb() - before
    assert counter.calls == 1
    assert len(set(outputs)) > 900  # distinct dates really were translated, not one answer repeated
    assert growth < 30, f"RSS grew {growth:.1f} MB over 950 requests"
    cached_translator.clear()
