"""Hostile input: any text gets a translation or a clear message, hostile checkpoint files are refused
without running anything, and model names from a link never reach outside checkpoints/.

Tests of the pages (AppTest) use a checkpoint whose vocabulary is made of Markdown, HTML and LaTeX
syntax, so whatever the model or the files say is itself an injection attempt.
"""
from __future__ import annotations

import functools
import json
import pickle
import re
import resource
import shutil
import time
import warnings
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seq2seq import catalog as service
from seq2seq.checkpoint import WEIGHTS, Bundle, load_checkpoint, save_checkpoint
from seq2seq.config import DecodeConfig, ModelConfig, TokenizerConfig, TrainConfig
from seq2seq.data.tokenizer import CharTokenizer, clean_text, train_sentencepiece
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError
from seq2seq.nn.model import Seq2Seq

ROOT = Path(__file__).resolve().parent.parent
DATES = ROOT / "checkpoints" / "dates"
SCRIPT = "<script>alert(1)</script>"
INJECTION = f"{SCRIPT} **bold** $x^2$ [link](javascript:alert(1)) :red[red] <img src=x onerror=alert(1)>"
LONG = ("Ünïcode мир 世界 שלום 😀 " * 250)[:5200] + "\x00 end"
HOSTILE = {
    "empty": "",
    "whitespace only": " \t\n\r  \u3000",
    "5,000+ characters": LONG,
    "emoji": "😀🎉 👩‍👩‍👧 👍🏽 🇫🇷",
    "right-to-left": "مرحبا بالعالم שלום \u202eevil\u202c",
    "mixed scripts": "Hello мир 世界 नमस्ते 12/03/2001",
    "control characters and NUL": "a\x00b\x07c\x1b[31mred\x7f\x00",
    "NUL only": "\x00\x00",
    "unpaired surrogates": "abc\ud800def\udfff\ud83d",
    "script tag": SCRIPT,
    "markdown and latex": INJECTION,
    "combining marks": "e" + "\u0301" * 3000,
}
CORPUS = [f"the {animal} {verb} the {thing} number {n}."
          for n in range(8) for animal in ("cat", "dog", "bird") for verb in ("sees", "eats")
          for thing in ("ball", "bone", "seed")]
DECODES = [DecodeConfig(), DecodeConfig(strategy="beam", beam_size=3, n_best=2),
           DecodeConfig(strategy="sample", top_k=5, seed=1)]
# Any text, including what users paste by accident and what attackers paste on purpose.
ANY_TEXT = st.text(alphabet=st.one_of(st.characters(exclude_categories=[]),
                                      st.sampled_from(["\x00", "\ud800", "\udfff", "\u202e", "<", "$", "*", " "])),
                   max_size=60)
# An HTML tag whose "<" is not backslash-escaped.
RAW_TAG = re.compile(r"(?<!\\)<(?=[A-Za-z/!])")
PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def tiny_bundle(src, tgt, data: str = "toy:reverse", max_tgt_len: int = 10) -> Bundle:
    """An untrained model: its output is arbitrary, which is all these tests need."""
    torch.manual_seed(0)
    config = ModelConfig(src.vocab_size, tgt.vocab_size, emb_dim=8, enc_hidden=8, dec_hidden=16, dropout=0.0,
                         max_src_len=32, max_tgt_len=max_tgt_len).validate()
    train = TrainConfig(data=data, tokenizer=TokenizerConfig(kind=src.kind))
    return Bundle(Seq2Seq(config).eval(), src, tgt, train)


@pytest.fixture(scope="module")
def sentencepiece_translator() -> Translator:
    tokenizer = train_sentencepiece(CORPUS, vocab_size=320)
    return Translator(tiny_bundle(tokenizer, tokenizer))


@pytest.fixture(scope="module", params=["char (dates)", "sentencepiece"])
def translator(request, dates_translator, sentencepiece_translator) -> Translator:
    return dates_translator if request.param.startswith("char") else sentencepiece_translator


# ----- text input -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(HOSTILE))
def test_every_hostile_text_gets_a_translation(translator, name):
    text = HOSTILE[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [output] = translator.translate([text])
    assert isinstance(output, str)
    output.encode("utf-8")  # printable and sendable: no lone surrogates come back out
    if not clean_text(text):
        assert output == ""
    if len(translator.src.encode(text)) >= translator.model.config.max_src_len:
        assert any("truncated" in str(w.message) for w in caught)


@pytest.mark.parametrize("name", ["5,000+ characters", "unpaired surrogates", "control characters and NUL",
                                  "markdown and latex"])
def test_hostile_text_traces_with_pieces_that_are_plain_strings(dates_translator, name):
    text = HOSTILE[name]
    trace = dates_translator.trace(text)
    assert trace.steps and trace.src_pieces[-1] == "</s>"
    assert trace.truncated == (len(dates_translator.src.encode(text)) >= dates_translator.model.config.max_src_len)
    json.dumps(trace.src_pieces + trace.output_pieces, ensure_ascii=False).encode("utf-8")


@PROPERTIES
@given(text=ANY_TEXT)
def test_tokenizers_encode_any_string_to_ids_in_range(dates_translator, sentencepiece_translator, text):
    for tokenizer in (dates_translator.src, dates_translator.tgt, sentencepiece_translator.src):
        ids = tokenizer.encode(text)
        assert all(0 <= i < tokenizer.vocab_size for i in ids)
        assert isinstance(tokenizer.decode(ids), str)
        assert all(isinstance(tokenizer.piece(i), str) for i in ids)


@PROPERTIES
@given(texts=st.lists(ANY_TEXT, max_size=6), decode=st.sampled_from(DECODES), char=st.booleans())
def test_translate_gives_one_output_per_input_for_any_list(dates_translator, sentencepiece_translator, texts,
                                                           decode, char):
    translator = dates_translator if char else sentencepiece_translator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # truncation warnings are expected for long input
        outputs = translator.translate(texts, decode)
    assert len(outputs) == len(texts) and all(isinstance(o, str) for o in outputs)
    assert all(o == "" for t, o in zip(texts, outputs) if not clean_text(t))


def test_an_empty_list_gives_an_empty_list(translator):
    assert translator.translate([]) == []


# ----- hostile checkpoint files ---------------------------------------------------------------

class Payload:
    """Unpickling this creates the marker file: proof that code from the file ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


@pytest.fixture
def dates_copy(tmp_path) -> Path:
    shutil.copytree(DATES, tmp_path / "dates")
    return tmp_path / "dates"


def test_the_payload_is_live_when_unpickled(tmp_path):
    """Control for the next test: the payload really runs code if something unpickles it."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(Payload(marker))).close()
    assert marker.exists()


@pytest.mark.parametrize("target,how", [(WEIGHTS, "pickle"), (WEIGHTS, "torch.save"), ("src.vocab.json", "pickle"),
                                        ("config.json", "pickle")])
def test_a_pickle_disguised_as_a_checkpoint_file_is_refused_and_never_run(dates_copy, tmp_path, target, how):
    marker = tmp_path / "pwned"
    path = dates_copy / target
    if how == "pickle":
        path.write_bytes(pickle.dumps({"weights": Payload(marker)}))
    else:
        torch.save({"weights": Payload(marker)}, path)
    with pytest.raises(UserError) as refused:
        load_checkpoint(dates_copy)
    assert target in str(refused.value)
    assert not marker.exists()


def test_a_pickled_metrics_file_is_ignored_and_never_run(dates_copy, tmp_path):
    marker = tmp_path / "pwned"
    (dates_copy / "metrics.json").write_bytes(pickle.dumps(Payload(marker)))
    assert load_checkpoint(dates_copy).metrics == {}
    assert not marker.exists()


@pytest.mark.parametrize("cut", ["half", "header only", "8 bytes", "empty", "huge header length"])
def test_a_truncated_safetensors_file_is_refused_with_its_name(dates_copy, cut):
    path = dates_copy / WEIGHTS
    data = path.read_bytes()
    header = int.from_bytes(data[:8], "little")
    data = {"half": data[: len(data) // 2], "header only": data[: 8 + header], "8 bytes": data[:8], "empty": b"",
            "huge header length": (10**15).to_bytes(8, "little") + data[8:100]}[cut]
    path.write_bytes(data)
    with pytest.raises(UserError, match="model.safetensors: not a readable safetensors file"):
        load_checkpoint(dates_copy)


def rewrite_config(folder: Path, change) -> None:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    change(config)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_config_with_a_billion_hidden_units_is_refused_at_once(dates_copy):
    rewrite_config(dates_copy, lambda c: c["model"].update(enc_hidden=10**9, dec_hidden=10**9))
    before, start = peak_rss_mb(), time.monotonic()
    with pytest.raises(UserError, match="enc_hidden must be an integer in"):
        load_checkpoint(dates_copy)
    assert time.monotonic() - start < 5
    assert peak_rss_mb() - before < 100


def test_a_config_within_each_limit_but_huge_overall_never_allocates(dates_copy):
    """Every size is allowed alone, together they make ~5e9 parameters (20 GB): refused before allocating."""
    vocab = 200_000
    chars = [chr(c) for c in range(0x100, 0x100 + vocab + 4096) if not 0xD800 <= c <= 0xDFFF][: vocab - 4]
    for side in ("src", "tgt"):
        (dates_copy / f"{side}.vocab.json").write_text(json.dumps({"kind": "char", "chars": chars}), encoding="utf-8")
    big = {"src_vocab_size": vocab, "tgt_vocab_size": vocab, "emb_dim": 8192, "enc_hidden": 8192, "dec_hidden": 8192}
    rewrite_config(dates_copy, lambda c: c["model"].update(big))
    load_checkpoint(DATES)  # warm up the loader's own imports so that only the refusal is timed
    before, start = peak_rss_mb(), time.monotonic()
    with pytest.raises(UserError, match="parameters; the limit is"):
        load_checkpoint(dates_copy)
    assert time.monotonic() - start < 20
    assert peak_rss_mb() - before < 500  # allocating the model would take 20,000 MB


def test_a_missing_tokenizer_is_named(dates_copy):
    (dates_copy / "tgt.vocab.json").unlink()
    with pytest.raises(UserError, match="tgt.vocab.json: tokenizer file missing"):
        load_checkpoint(dates_copy)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "sub/src.vocab.json", "..", ".hidden", "",
                                  None, 42, ["src.vocab.json"]])
def test_a_tokenizer_path_leaving_the_checkpoint_is_refused(dates_copy, name):
    rewrite_config(dates_copy, lambda c: c.update(src_tokenizer=name))
    with pytest.raises(UserError, match="config.json names an invalid tokenizer file"):
        load_checkpoint(dates_copy)


def test_a_tokenizer_symlinked_to_a_system_file_is_refused_without_showing_it(dates_copy, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (dates_copy / "src.vocab.json").unlink()
    (dates_copy / "src.vocab.json").symlink_to(secret)
    with pytest.raises(UserError, match="not a character tokenizer file") as refused:
        load_checkpoint(dates_copy)
    assert "root:x" not in str(refused.value)


# ----- model names from links and forms -------------------------------------------------------

@pytest.fixture
def checkpoints(tmp_path) -> Path:
    """checkpoints/ with one model and one run, and a valid checkpoint outside it."""
    root = tmp_path / "checkpoints"
    shutil.copytree(DATES, root / "dates")
    shutil.copytree(DATES, root / "runs" / "mine")
    shutil.copytree(DATES, tmp_path / "outside")
    return root


@pytest.mark.parametrize("name", ["../../etc", "../outside", "/etc", str(DATES), "dates/..", "dates/../dates",
                                  "runs/../dates", "runs/../../outside", "runs", "", ".", "dates\x00", "~"])
def test_names_that_are_not_listed_are_refused(checkpoints, name):
    with pytest.raises(UserError, match="no model named"):
        service.find_model(name, checkpoints)


def test_listed_names_resolve_inside_checkpoints(checkpoints):
    assert [m.name for m in service.list_models(checkpoints)] == ["dates", "runs/mine"]
    assert service.find_model("runs/mine", checkpoints).path == checkpoints / "runs" / "mine"


def test_symlinks_leading_out_of_checkpoints_are_neither_listed_nor_loaded(checkpoints, tmp_path):
    (checkpoints / "escape").symlink_to(tmp_path / "outside")
    (checkpoints / "runs" / "escape").symlink_to(tmp_path / "outside")
    (checkpoints / "alias").symlink_to(checkpoints / "dates")  # stays inside: allowed
    assert [m.name for m in service.list_models(checkpoints)] == ["alias", "dates", "runs/mine"]
    for name in ("escape", "runs/escape"):
        with pytest.raises(UserError, match="no model named"):
            service.find_model(name, checkpoints)


# ----- the pages --------------------------------------------------------------------------------

def page_files() -> list[str]:
    return ["app.py"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


@pytest.fixture(scope="module")
def hostile_checkpoints(tmp_path_factory) -> Path:
    """A model whose every piece is Markdown/HTML/LaTeX syntax, trained on data with a hostile name."""
    root = tmp_path_factory.mktemp("checkpoints")
    chars = CharTokenizer(sorted(set(INJECTION + LONG) - {"\x00"}))
    bundle = tiny_bundle(chars, chars, data=f"tsv:{INJECTION}", max_tgt_len=40)
    save_checkpoint(root / "hostile", bundle)
    return root


def markdown_bodies(app) -> list[str]:
    """Everything Streamlit renders as Markdown: text elements, alerts, and widget labels."""
    bodies = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success"):
        bodies += [element.value for element in app.get(kind)]
    for kind in ("button", "expander", "checkbox", "toggle", "radio", "selectbox", "text_input", "text_area"):
        bodies += [element.label for element in app.get(kind) if isinstance(getattr(element, "label", None), str)]
    return bodies


def assert_rendered_safely(app) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not [m.value for m in app.get("markdown") if m.proto.allow_html]
    for body in markdown_bodies(app):
        assert SCRIPT not in body and not RAW_TAG.search(body), body  # raw HTML would reach the browser
        assert "$x^2$" not in body and "**bold**" not in body and ":red[" not in body, body


@pytest.mark.slow
@pytest.mark.parametrize("path", page_files())
def test_pages_show_hostile_text_and_hostile_model_output_escaped(path, hostile_checkpoints, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from studio.shared import sidebar

    monkeypatch.setattr(sidebar, "list_models", functools.partial(service.list_models, hostile_checkpoints))
    tokenizer = load_checkpoint(hostile_checkpoints / "hostile").tgt_tokenizer
    app = AppTest.from_file(str(ROOT / path), default_timeout=180)
    app.query_params.update(model="hostile", text=INJECTION, ref=INJECTION,
                            force=",".join(map(str, tokenizer.encode(SCRIPT))))
    app.run()
    assert_rendered_safely(app)
    if "Step_by_step" in path:  # the forced output is the script tag: shown, escaped, as the translation
        assert any(body.startswith("#### \\<script\\>") for body in markdown_bodies(app))
    for box in [*app.text_area, *app.text_input][:2]:
        box.input(LONG).run()
        assert_rendered_safely(app)
