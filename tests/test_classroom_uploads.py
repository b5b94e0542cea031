"""Uploads in classroom mode, against a real `streamlit run app.py` (what each classroom replica is, reached
by its port): a session stores a file only while its page shows the file uploader and its tab is
unlocked, and never more than the bound (studio/shared/upload_guard.py).

The sessions are benchmarks/load.py's websocket clients. Each asks its server for upload URLs as a
file widget does, then PUTs 19 MB files there with the XSRF token from its cookie, as a browser would;
without the guard, every PUT was stored until the session ended (20 of them took the server from 443 to
824 MB). The PUTs say `Expect: 100-continue` (through h11), so a refused one is answered before its
body is sent and the answer can be read; one without it is refused too.
"""
from __future__ import annotations

import asyncio
import os
import random
import socket
import time
import urllib.parse

import h11
import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks import app_server, load
from seq2seq.catalog import RUNS_ENV
from seq2seq.service.passphrase import PASSPHRASE_ENV
from studio.shared.upload_guard import session_upload_bytes

pytestmark = pytest.mark.slow  # a server in a subprocess

PASSPHRASE = "chalk and cheese"
FILE = b"x" * (19 * 2**20)  # just under the server's 20 MB cap per file
ATTEMPTS = 45  # the number of 19 MB PUTs that took a replica from 427 to 1,280 MB in the security pass
# What may move in the server's resident memory while refused uploads come in: allocator noise. One
# stored file would take 19 MB.
NOISE_MB = 15
PAIRS = "".join(f"sentence number {i}\tphrase numéro {i}\n" for i in range(300)).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    env = {**os.environ, RUNS_ENV: str(runs), PASSPHRASE_ENV: PASSPHRASE, "OMP_NUM_THREADS": "1"}
    log = tmp_path_factory.mktemp("logs") / "server.log"
    with app_server.running(env, log_path=log) as (url, process):
        yield url, process.pid, log


def settled_rss_mb(pid: int, calm_mb: float = 1.0, calm_s: float = 3.0, limit_s: float = 120.0) -> float:
    """The server's resident memory once it has stopped moving (within calm_mb for calm_s), or at limit_s."""
    deadline, last, calm_since = time.monotonic() + limit_s, load.rss_mb(pid), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = load.rss_mb(pid)
        if abs(now - last) > calm_mb:
            last, calm_since = now, time.monotonic()
        elif time.monotonic() - calm_since >= calm_s:
            return now
    return load.rss_mb(pid)


async def upload_urls(tab: load.Session, count: int) -> list[str]:
    """What the file widget asks the server for before it sends files (any session may ask)."""
    request = BackMsg()
    request.file_urls_request.request_id = f"urls-{random.getrandbits(32):x}"
    request.file_urls_request.file_names.extend(f"file{i}.tsv" for i in range(count))
    request.file_urls_request.session_id = tab.session_id
    await tab.socket.send(request.SerializeToString())
    while True:
        reply = ForwardMsg.FromString(await tab.socket.recv())
        if reply.WhichOneof("type") == "file_urls_response":
            return [u.upload_url for u in reply.file_urls_response.file_urls]


def put(browser: load.Browser, upload_url: str, data: bytes = FILE, expect_continue: bool = True) -> int | None:
    """PUT a file as the file widget does (multipart, XSRF header and cookie): the server's status, or None
    when it closed the connection while the body was being sent (it answered without reading it)."""
    boundary = f"----upload{random.getrandbits(64):x}"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="pairs.tsv"\r\n'
            f"Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    address = urllib.parse.urlsplit(browser.url)
    headers = [("Host", address.netloc), ("Content-Type", f"multipart/form-data; boundary={boundary}"),
               ("Content-Length", str(len(body))), ("X-Xsrftoken", browser.cookie("_streamlit_xsrf")),
               ("Cookie", "; ".join(f"{c.name}={c.value}" for c in browser.cookies))]
    if expect_continue:
        headers.append(("Expect", "100-continue"))
    client = h11.Connection(h11.CLIENT)
    with socket.create_connection((address.hostname, address.port), timeout=120) as sock:
        sock.sendall(client.send(h11.Request(method="PUT", target=upload_url, headers=headers)))
        try:
            if not expect_continue:
                sock.sendall(client.send(h11.Data(data=body)) + client.send(h11.EndOfMessage()))
            while True:
                event = client.next_event()
                if event is h11.NEED_DATA:
                    client.receive_data(sock.recv(65536))
                elif isinstance(event, h11.InformationalResponse):  # 100 Continue: the server reads the file
                    sock.sendall(client.send(h11.Data(data=body)) + client.send(h11.EndOfMessage()))
                elif isinstance(event, h11.Response):
                    return event.status_code
        except (BrokenPipeError, ConnectionResetError):
            return None


async def open_tab(url: str, page: str, query: str = "") -> tuple[load.Browser, load.Session]:
    browser = load.Browser(url)
    tab = await browser.open(query, page)
    await tab.run()
    return browser, tab


async def unlock_and_show_the_uploader(tab: load.Session) -> None:
    await tab.run([load.WidgetState(id=tab.widget("Teacher passphrase"), string_value=PASSPHRASE),
                   load.WidgetState(id=tab.widget("Unlock teacher actions"), trigger_value=True)])
    await tab.choose(tab.widget("Train on"), "Upload a TSV file")


def test_a_student_stores_no_upload_and_the_server_does_not_grow(server):
    url, pid, log = server

    async def student() -> tuple[list[int | None], list[int | None], list[int | None], float, float]:
        browser, tab = await open_tab(url, load.STEP_PAGE, "model=dates")  # no uploader on this page
        try:
            urls = await upload_urls(tab, ATTEMPTS + 3)
            # The server's own warm-up (the default model, its training words) may still be growing it.
            before = await asyncio.to_thread(settled_rss_mb, pid)
            answers = [await asyncio.to_thread(put, browser, u) for u in urls[:ATTEMPTS]]
            plain = [await asyncio.to_thread(put, browser, u, FILE, False) for u in urls[ATTEMPTS:]]
            after = await asyncio.to_thread(settled_rss_mb, pid)
            # The Train page with an upload chosen: a locked tab is shown no uploader, and cannot upload.
            tab.page_name = "Train"
            await tab.run()
            await tab.choose(tab.widget("Train on"), "Upload a TSV file")
            train_page = [await asyncio.to_thread(put, browser, u) for u in await upload_urls(tab, 1)]
        finally:
            await tab.close()
        return answers, plain, train_page, before, after

    answers, plain, train_page, before, after = asyncio.run(asyncio.wait_for(student(), 600))
    print(f"server RSS {before:.0f} MB before {ATTEMPTS} refused PUTs of 19 MB, {after:.0f} MB after")
    assert answers == [403] * ATTEMPTS
    assert all(status in (403, None) for status in plain), plain  # refused, or closed without reading it
    assert train_page == [403]
    assert after - before < NOISE_MB, (before, after)
    assert "upload refused (403)" in log.read_text(encoding="utf-8")


def test_a_teacher_uploads_while_the_box_is_shown_and_holds_at_most_the_bound(server):
    url, pid, _ = server
    most_files = session_upload_bytes() // len(FILE)  # whole 19 MB files within the bound: 2

    async def teacher() -> dict[str, object]:
        seen: dict[str, object] = {}
        browser, tab = await open_tab(url, "Train")
        try:
            await unlock_and_show_the_uploader(tab)
            page = await tab.upload(tab.widget("Sentence pairs"), "pairs.tsv", PAIRS)  # the widget's own upload
            seen["pairs"] = [m for m in page.markdown if "sentence pairs" in m] + page.errors
            before = load.rss_mb(pid)
            seen["big"] = [await asyncio.to_thread(put, browser, u) for u in await upload_urls(tab, most_files + 5)]
            seen["grew_mb"] = load.rss_mb(pid) - before
            await tab.choose(tab.widget("Train on"), "Toy task")  # still unlocked, but the box is gone
            seen["box_gone"] = [await asyncio.to_thread(put, browser, u, PAIRS) for u in await upload_urls(tab, 1)]
            await tab.choose(tab.widget("Train on"), "Upload a TSV file")
            seen["box_back"] = [await asyncio.to_thread(put, browser, u, PAIRS) for u in await upload_urls(tab, 1)]
            await tab.click(tab.widget("🔒 Lock"))
            seen["locked"] = [await asyncio.to_thread(put, browser, u, PAIRS) for u in await upload_urls(tab, 1)]
        finally:
            await tab.close()
        return seen

    seen = asyncio.run(asyncio.wait_for(teacher(), 600))
    print(f"the teacher's {most_files} stored files of 19 MB grew the server by {seen['grew_mb']:.0f} MB")
    assert seen["pairs"] == ["300 sentence pairs; the first ones:"]
    assert seen["big"] == [204] * most_files + [413] * 5  # the bound, then every further file refused
    assert seen["grew_mb"] < most_files * 19 + NOISE_MB
    assert seen["box_gone"] == [403]
    assert seen["box_back"] == [204]  # the pairs are small: within the bound even now
    assert seen["locked"] == [403]
