"""What the model has seen of a typed sentence: words counted in its training data (cached on disk), byte
pieces explained, a hint when the input looks like the output language."""
import json

import pytest
from conftest import ROOT

from seq2seq.analysis.coverage import CoverageConfig, byte_runs, coverage
from seq2seq.config import TokenizerConfig, TrainConfig
from seq2seq.data.corpora import SHARED_DATA
from seq2seq.data.pairs import Pair
from seq2seq.data.word_counts import WordCounts, count_words, training_word_counts, words
from seq2seq.errors import UserError

PAIRS = [("The cat sleeps.", "Le chat dort."), ("The cat, the cat!", "Le chat, le chat !"),
         ("Don't go.", "N'y va pas."), ("A dog sleeps.", "Un chien dort."), ("The restaurant.", "Le restaurant.")]


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQ2SEQ_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_words_are_read_as_a_student_reads_them():
    assert words("Hello, World! Don't stop… $999 aujourd’hui") == ["hello", "world", "don't", "stop", "999",
                                                                 "aujourd'hui"]
    assert words("…!?") == []


def test_a_word_counts_once_per_sentence_on_its_own_side():
    counts = count_words("toy", [Pair(s, t) for s, t in PAIRS])
    assert counts.sentences == 5
    assert counts.source["the"] == 3 and counts.source["cat"] == 2 and counts.source["don't"] == 1
    assert counts.target["le"] == 3 and "le" not in counts.source and "the" not in counts.target


def test_counts_are_computed_once_and_kept_in_the_user_cache_without_sentences(tmp_path, cache_home):
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS * 8), encoding="utf-8")
    config = TrainConfig(data=f"tsv:{data}", tokenizer=TokenizerConfig(kind="char"))
    first = training_word_counts(config)
    stored = list((cache_home / "derived").glob("word-counts-*.json"))
    assert len(stored) == 1
    text = stored[0].read_text(encoding="utf-8")
    assert not any(s in text or t in text for s, t in PAIRS)  # words and numbers only
    assert first.source["cat"] >= 1 and first.sentences == json.loads(text)["sentences"]
    # Counted again only when the file changes: a stored count that differs from the data shows which was read.
    tampered = json.loads(text)
    tampered["source"]["cat"] = 12345
    stored[0].write_text(json.dumps(tampered), encoding="utf-8")
    assert training_word_counts(config).source["cat"] == 12345
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS * 9), encoding="utf-8")
    assert training_word_counts(config).source["cat"] < 12345


def test_absent_training_data_is_named_not_guessed(tmp_path, cache_home, monkeypatch):
    monkeypatch.setenv("SEQ2SEQ_DATA", str(tmp_path / "empty"))
    with pytest.raises(UserError, match="not on this computer"):
        training_word_counts(TrainConfig(data="iwslt2014-en-fr"))
    with pytest.raises(UserError):
        training_word_counts(TrainConfig(data=f"tsv:{tmp_path / 'missing.tsv'}"))


COUNTS = WordCounts("toy", 1000, {"the": 600, "cat": 40, "zebra": 3, "restaurant": 20, "a": 500},
                    {"le": 600, "chat": 40, "restaurant": 25, "je": 300, "suis": 120, "a": 400})


def test_unseen_and_rare_words_come_with_their_counts_in_typed_order():
    found = coverage(COUNTS, "The zebra and the cat meet Zorg.", [], CoverageConfig(rare_below=30))
    assert [(w.word, w.count) for w in found.unseen] == [("and", 0), ("meet", 0), ("zorg", 0)]
    assert [(w.word, w.count) for w in found.rare] == [("zebra", 3)]
    assert found.sentences == 1000 and not found.looks_like_output


def test_output_language_input_gets_the_hint_and_shared_words_do_not():
    assert coverage(COUNTS, "Je suis le chat.", []).looks_like_output  # je, suis, le: output side only
    shared = coverage(COUNTS, "The restaurant, a cat.", [])
    assert shared.output_side == [] and not shared.looks_like_output  # on both sides: not French
    assert not coverage(COUNTS, "The cat je.", []).looks_like_output  # one stray word is not French


def test_byte_pieces_are_grouped_and_spelled_out():
    runs = byte_runs(["▁price", "▁", "<0xE2>", "<0x82>", "<0xAC>", ".", "<0x33>", "</s>"])
    assert [(r.pieces, r.text) for r in runs] == [(["<0xE2>", "<0x82>", "<0xAC>"], "€"), (["<0x33>"], "3")]
    assert byte_runs(["<0xE2>"])[0].text == "\ufffd"  # part of a character: shown as such, never a crash


@pytest.mark.skipif(not (SHARED_DATA / "tatoeba-en-fr").is_dir(), reason="needs the Tatoeba corpus in ../shared/data")
def test_the_default_model_has_rarely_seen_hello_and_reads_french_as_french(cache_home):
    from seq2seq import service

    translator = service.load_translator(ROOT / "checkpoints" / "tatoeba-en-fr")
    counts = service.training_words(translator)
    assert counts.sentences > 100_000
    hello = service.input_coverage(translator, counts, "Hello.")
    assert [w.word for w in hello.rare + hello.unseen] == ["hello"] and hello.rare[0].count < 30
    assert not service.input_coverage(translator, counts, "I am very happy to see you.").rare
    assert service.input_coverage(translator, counts, "Je suis très content de te voir.").looks_like_output
    prices = service.input_coverage(translator, counts, "iPhone 15 costs $999.")
    assert "$999" in "".join(run.text for run in prices.byte_pieces)
    assert service.training_words(service.load_translator(ROOT / "checkpoints" / "dates")) is None  # reads characters
