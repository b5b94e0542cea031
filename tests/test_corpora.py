"""Corpus registry, loaders and the downloader.

Fixtures are generated here in the corpora's file formats with made-up sentences; the real
corpora are read from ../shared/data when that folder exists, and those tests skip otherwise.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import socket
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from seq2seq.data import corpora
from seq2seq.data.corpora import (
    available_corpora,
    find_data_dir,
    load_corpus,
    moses_lc_tokenize,
)
from seq2seq.data.download import download
from seq2seq.data.pairs import Pair, read_tsv
from seq2seq.errors import UserError

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Only folders a test names are searched: no real cache, env or shared data."""
    monkeypatch.delenv("SEQ2SEQ_DATA", raising=False)
    monkeypatch.setenv("SEQ2SEQ_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(corpora, "SHARED_DATA", tmp_path / "no-shared-data")


# --- IWSLT 2014 fixtures in the WIT3 layout ---------------------------------------------

def train_tags(lang: str) -> str:
    word = "talk" if lang == "en" else "exposé"
    lines = []
    for talk in (1, 2):
        lines += [
            f"<url>http://www.ted.com/talks/{word}_{talk}.html</url>",
            "  <keywords>talks, fake</keywords>",
            f"<speaker>Speaker {talk}</speaker>",
            f"<talkid>{talk}</talkid>",
            f"<title>{word} title {talk}</title>",
            f"<description>{word} description {talk}</description>",
            "<reviewer>R</reviewer>",
            "<translator>T</translator>",
        ]
        lines += [f"{lang} sentence {talk}.{i} & more" for i in range(3)]
    return "\n".join(lines) + "\n"


def seg_xml(part: str, lang: str, n: int) -> str:
    segs = "\n".join(
        f'<seg id="{i}"> {lang} {part} seg {i} &amp; &quot;q&quot; &lt;x&gt; </seg>' for i in range(1, n + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<mteval>\n'
        f'<srcset setid="iwslt2014-{part}" srclang="english">\n'
        f'<doc docid="1" genre="lectures">\n<url>http://x</url>\n<talkid>1</talkid>\n'
        f"<title>t</title>\n{segs}\n</doc>\n</srcset>\n</mteval>\n"
    )


IWSLT_SIZES = {"dev2010": 2, "tst2010": 3, "tst2011": 1, "tst2012": 2}


def iwslt_files() -> dict[str, bytes]:
    files = {f"train.tags.en-fr.{lang}": train_tags(lang).encode() for lang in ("en", "fr")}
    for part, n in IWSLT_SIZES.items():
        for lang in ("en", "fr"):
            files[f"IWSLT14.TED.{part}.en-fr.{lang}.xml"] = seg_xml(part, lang, n).encode()
    files["README"] = b"fake release"
    return files


def write_iwslt_tgz(folder: Path, files=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "en-fr.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (files or iwslt_files()).items():
            info = tarfile.TarInfo(f"en-fr/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


def test_iwslt_from_tgz_skips_metadata_and_unescapes(tmp_path):
    write_iwslt_tgz(tmp_path / "data" / "iwslt2014-en-fr")
    split = load_corpus("iwslt2014-en-fr", data_dir=tmp_path / "data")
    assert len(split.train) == 6
    assert split.train[0] == Pair("en sentence 1.0 & more", "fr sentence 1.0 & more")
    assert not any("<" in p.source or "title" in p.source for p in split.train)
    assert [p.source for p in split.valid] == [f'en dev2010 seg {i} & "q" <x>' for i in (1, 2)]
    assert len(split.test) == 3 + 1 + 2 and split.test[3].source.startswith("en tst2011")
    assert split.test_refs[0] == ['fr tst2010 seg 1 & "q" <x>']


def test_iwslt_from_extracted_folder_with_chosen_test_set_and_reverse_direction(tmp_path):
    folder = tmp_path / "iwslt" / "en-fr"
    folder.mkdir(parents=True)
    for name, data in iwslt_files().items():
        (folder / name).write_bytes(data)
    split = load_corpus("iwslt2014-en-fr", "fr", "en", data_dir=tmp_path / "iwslt", test_set="tst2011")
    assert len(split.test) == 1 and split.test[0].source.startswith("fr tst2011")
    assert split.train[0].target == "en sentence 1.0 & more"
    with pytest.raises(UserError, match="tst2099"):
        load_corpus("iwslt2014-en-fr", data_dir=tmp_path / "iwslt", test_set="tst2099")


def test_iwslt_misaligned_metadata_is_reported(tmp_path):
    files = iwslt_files()
    files["train.tags.en-fr.fr"] = b"<talkid>1</talkid>\nfr a\n"
    files["train.tags.en-fr.en"] = b"en a\nen b\n"
    write_iwslt_tgz(tmp_path / "iwslt2014-en-fr", files)
    with pytest.raises(UserError, match="line 1: metadata on one side only"):
        load_corpus("iwslt2014-en-fr", data_dir=tmp_path)


def test_missing_corpus_tells_how_to_download(tmp_path):
    with pytest.raises(UserError, match=r"download=True.*SEQ2SEQ_DATA"):
        load_corpus("iwslt2014-en-fr", data_dir=tmp_path)
    with pytest.raises(UserError, match="unknown corpus"):
        load_corpus("nope")
    with pytest.raises(UserError, match="languages"):
        load_corpus("multi30k", "en", "xx", data_dir=tmp_path)


# --- locating data ----------------------------------------------------------------------

def fake_tatoeba_zip(folder: Path, n=400) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # Three columns like current manythings files; some sources have two translations.
    lines = [f"Source {i % 300}.\tCible {i}.\tCC-BY 2.0 (France) #{i}" for i in range(n)]
    with zipfile.ZipFile(folder / "fra-eng.zip", "w") as archive:
        archive.writestr("fra.txt", "\n".join(lines) + "\n")
        archive.writestr("_about.txt", "about")
    return folder / "fra-eng.zip"


def test_find_data_dir_search_order(tmp_path, monkeypatch):
    assert find_data_dir("tatoeba-en-fr") is None
    assert ("tatoeba-en-fr", False) in available_corpora()
    cached = fake_tatoeba_zip(tmp_path / "cache" / "tatoeba-en-fr").parent
    assert find_data_dir("tatoeba-en-fr") == cached
    env_root = tmp_path / "env"
    fake_tatoeba_zip(env_root)  # files directly in $SEQ2SEQ_DATA
    monkeypatch.setenv("SEQ2SEQ_DATA", str(env_root))
    assert find_data_dir("tatoeba-en-fr") == env_root
    given = fake_tatoeba_zip(tmp_path / "given" / "tatoeba-en-fr").parent
    assert find_data_dir("tatoeba-en-fr", tmp_path / "given") == given
    assert ("tatoeba-en-fr", True) in available_corpora(tmp_path / "given")


def test_tatoeba_reads_fra_txt_inside_the_downloaded_zip(tmp_path):
    fake_tatoeba_zip(tmp_path / "t")
    split = load_corpus("tatoeba-en-fr", data_dir=tmp_path / "t", valid_fraction=0.1, test_fraction=0.1)
    assert len(split.train) + len(split.valid) + sum(map(len, split.test_refs)) == 400
    assert split.train[0].target.startswith("Cible")
    reverse = load_corpus("tatoeba-en-fr", "fr", "en", data_dir=tmp_path / "t")
    assert reverse.train[0].source.startswith("Cible")


def test_moses_tokenizer_lowercases_and_escapes_like_multi30k_scripts():
    tokens = moses_lc_tokenize(['A "big" dog, isn\'t it?'], "en")
    assert tokens == ["a &quot; big &quot; dog , isn &apos;t it ?"]


# --- real corpora in ../shared/data -----------------------------------------------------

def shared(name: str) -> Path:
    folder = SHARED_DATA / name
    if not folder.is_dir():
        pytest.skip(f"{folder} absent: the shared reference corpora are not on this machine")
    return folder


def test_tatoeba_real_counts_and_no_leak():
    folder = shared("tatoeba-en-fr")
    assert len(read_tsv(folder / "eng-fra.tsv.gz")) == 139_900
    split = load_corpus("tatoeba-en-fr", data_dir=SHARED_DATA)
    train_sources = {p.source.casefold() for p in split.train}
    assert split.test and split.valid
    assert not any(p.source.casefold() in train_sources for p in split.test + split.valid)
    assert any(len(refs) > 1 for refs in split.test_refs)


def test_multi30k_real_counts_and_no_leak():
    shared("multi30k")
    split = load_corpus("multi30k", data_dir=SHARED_DATA)
    assert (len(split.train), len(split.valid), len(split.test)) == (29_000, 1_014, 1_000)
    train_sources = {p.source for p in split.train}
    assert not any(p.source in train_sources for p in split.test)
    de_en = load_corpus("multi30k", "de", "en", data_dir=SHARED_DATA)
    assert de_en.test[0].target == split.test[0].source


def test_multi30k_registry_checksums_match_shared_copies():
    folder = shared("multi30k")
    urls = corpora.CORPORA["multi30k"].urls
    for path in folder.glob("*.gz"):
        _url, sha256, size = urls[path.name]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256 and path.stat().st_size == size


# --- download against a local HTTP server -----------------------------------------------

PAYLOAD = bytes(range(256)) * 800  # 200 KiB: several read chunks


class Handler(BaseHTTPRequestHandler):
    """Serves `server.payload`; `server.mode` is "ok" (honours Range), "cut" (closes half
    way through the promised Content-Length) or "norange" (always sends everything)."""

    def log_message(self, *args):  # Keep test output clean.
        pass

    def do_GET(self):
        self.server.requests.append(self.headers["Range"])
        if self.path == "/missing":
            self.send_error(404)
            return
        data, mode = self.server.payload, self.server.mode
        start = int(self.headers["Range"].split("=")[1].rstrip("-")) if self.headers["Range"] else 0
        if start >= len(data) and mode == "ok":
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.end_headers()
            return
        if start and mode == "ok":
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            start = 0
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        body = data[start:]
        self.wfile.write(body[: len(body) // 2] if mode == "cut" else body)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.mode, httpd.requests, httpd.payload = "ok", [], PAYLOAD
    # A short poll interval so that shutdown() at teardown returns quickly.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/file.bin"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


GOOD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


def test_download_success_with_checksum_and_progress(server, tmp_path):
    seen = []
    dest = download(server.url, tmp_path / "file.bin", GOOD_SHA, lambda *args: seen.append(args))
    assert dest.read_bytes() == PAYLOAD
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert not (tmp_path / "file.bin.part").exists()
    download(server.url, dest, GOOD_SHA)  # Already there: nothing fetched again.
    assert len(server.requests) == 1


def test_download_checksum_mismatch_leaves_nothing(server, tmp_path):
    with pytest.raises(UserError, match=f"expected sha256 {'0' * 64}, got {GOOD_SHA}"):
        download(server.url, tmp_path / "file.bin", "0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_download_cut_then_resumed_with_range(server, tmp_path):
    dest = tmp_path / "file.bin"
    server.mode = "cut"
    with pytest.raises(UserError, match="cut after .* resume"):
        download(server.url, dest, GOOD_SHA)
    assert not dest.exists()
    part = tmp_path / "file.bin.part"
    assert part.stat().st_size == len(PAYLOAD) // 2
    server.mode = "ok"
    download(server.url, dest, GOOD_SHA)
    assert dest.read_bytes() == PAYLOAD and not part.exists()
    assert server.requests[-1] == f"bytes={len(PAYLOAD) // 2}-"


def test_download_with_complete_part_finishes_on_416(server, tmp_path):
    (tmp_path / "file.bin.part").write_bytes(PAYLOAD)
    dest = download(server.url, tmp_path / "file.bin", GOOD_SHA)
    assert dest.read_bytes() == PAYLOAD and server.requests == [f"bytes={len(PAYLOAD)}-"]


def test_download_restarts_when_server_ignores_range(server, tmp_path):
    (tmp_path / "file.bin.part").write_bytes(b"stale bytes")
    server.mode = "norange"
    dest = download(server.url, tmp_path / "file.bin", GOOD_SHA)
    assert dest.read_bytes() == PAYLOAD


def test_download_http_error_and_unreachable_server(server, tmp_path):
    with pytest.raises(UserError, match="HTTP 404"):
        download(server.url.replace("/file.bin", "/missing"), tmp_path / "x", None)
    with socket.socket() as probe:  # A port that was free a moment ago: connection refused.
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(UserError, match="could not download"):
        download(f"http://127.0.0.1:{port}/x", tmp_path / "x", None, timeout=2)
    assert not (tmp_path / "x").exists()


def test_load_corpus_download_fetches_into_cache(server, tmp_path, monkeypatch):
    server.payload = fake_tatoeba_zip(tmp_path / "served").read_bytes()
    spec = corpora.CORPORA["tatoeba-en-fr"]
    local = dataclasses.replace(spec, urls={"fra-eng.zip": (server.url, None, None)})
    monkeypatch.setitem(corpora.CORPORA, "tatoeba-en-fr", local)
    with pytest.raises(UserError, match="download=True"):
        load_corpus("tatoeba-en-fr")
    split = load_corpus("tatoeba-en-fr", download=True)
    assert (tmp_path / "cache" / "tatoeba-en-fr" / "fra-eng.zip").is_file()
    assert len(split.train) > 300
