"""Tokenizers: fixed special ids, lossless round trips for any text, safe cleaning of raw input."""
import pytest

from seq2seq.data.tokenizer import (
    BOS_ID,
    EOS_ID,
    PAD_ID,
    SPECIALS,
    UNK_ID,
    CharTokenizer,
    clean_text,
    load_tokenizer,
    train_char,
    train_sentencepiece,
)
from seq2seq.errors import UserError

CORPUS = [f"the {animal} {verb} the {thing} number {n}."
          for n in range(12) for animal in ("cat", "dog", "bird") for verb in ("sees", "eats", "likes")
          for thing in ("ball", "bone", "seed")]
# Scripts and symbols the training corpus never saw: only byte fallback can represent them.
UNSEEN = ["Les élèves sont là 🎉🚀", "Привет, мир", "東京は晴れです", "مرحبا بالعالم", "naïve café — “quoted” ‘x’",
          "emoji with modifiers 👍🏽 👩‍👩‍👧"]


@pytest.fixture(scope="module")
def sentencepiece():
    # Byte fallback needs 256 byte pieces on top of the characters; the corpus fills the rest.
    return train_sentencepiece(CORPUS, vocab_size=320)


def test_special_symbols_have_fixed_ids(sentencepiece):
    assert (PAD_ID, UNK_ID, BOS_ID, EOS_ID) == (0, 1, 2, 3)
    assert [sentencepiece._sp.id_to_piece(i) for i in range(4)] == list(SPECIALS)
    assert [sentencepiece.piece(i) for i in range(4)] == list(SPECIALS)
    chars = train_char(["abc"])
    assert [chars.piece(i) for i in range(4)] == list(SPECIALS) and chars.encode("abc") == [4, 5, 6]


@pytest.mark.parametrize("text", ["the cat sees the ball number 3.", *UNSEEN])
def test_sentencepiece_round_trips_any_text(sentencepiece, text):
    ids = sentencepiece.encode(text)
    assert ids and min(ids) > EOS_ID  # no specials, and no <unk>: byte fallback covers everything
    assert sentencepiece.decode(ids) == text


def test_sentencepiece_uses_its_pieces_for_known_words_and_bytes_for_unknown(sentencepiece):
    assert not any(sentencepiece.piece(i).startswith("<0x") for i in sentencepiece.encode("the cat"))
    pieces = [sentencepiece.piece(i) for i in sentencepiece.encode("🎉")]
    assert pieces == ["▁", "<0xF0>", "<0x9F>", "<0x8E>", "<0x89>"]  # word boundary, then UTF-8 bytes


def test_decode_skips_special_ids(sentencepiece):
    ids = sentencepiece.encode("the dog")
    assert sentencepiece.decode([BOS_ID, *ids, EOS_ID, PAD_ID]) == "the dog"


def test_sentencepiece_saves_and_loads(sentencepiece, tmp_path):
    sentencepiece.save(tmp_path / "src.model")
    loaded = load_tokenizer(tmp_path / "src.model")
    assert loaded.vocab_size == sentencepiece.vocab_size
    assert all(loaded.encode(t) == sentencepiece.encode(t) for t in UNSEEN)


def test_a_vocabulary_too_small_for_byte_fallback_is_a_user_error():
    with pytest.raises(UserError, match="vocab_size"):
        train_sentencepiece(CORPUS, vocab_size=60)


def test_training_on_nothing_is_refused():
    with pytest.raises(UserError, match="empty data"):
        train_sentencepiece(["", "   ", "\x00"], vocab_size=50)


def test_char_tokenizer_round_trips_and_maps_unknown_characters_to_unk(tmp_path):
    tok = train_char(["hello world", "1999-03-12"])
    assert tok.vocab_size == 4 + len(set("helo wrd19-032"))
    assert tok.decode(tok.encode("hello 1999")) == "hello 1999"
    assert tok.encode("hex") == [tok.encode("h")[0], tok.encode("e")[0], UNK_ID]
    tok.save(tmp_path / "src.vocab.json")
    loaded = load_tokenizer(tmp_path / "src.vocab.json")
    assert isinstance(loaded, CharTokenizer) and loaded.chars == tok.chars


def test_char_tokenizer_keeps_non_latin_and_emoji():
    tok = train_char(["東京 🎉", "мир"])
    assert tok.decode(tok.encode("мир 🎉 東京")) == "мир 🎉 東京"


def test_sentencepiece_applies_nfkc_normalisation(sentencepiece):
    """Compatibility characters become their plain forms (½ -> 1⁄2, full-width -> ASCII, … -> ...)."""
    assert sentencepiece.decode(sentencepiece.encode("½ ＡＢ …")) == "1⁄2 AB ..."


@pytest.mark.parametrize("raw,clean", [
    ("a\x00b", "a b"),  # NUL
    ("bell\x07 and\x1b[31m escape", "bell and [31m escape"),  # C0 controls
    ("line\nbreak\r\n\ttab", "line break tab"),
    ("  spaced   out  ", "spaced out"),
    ("zero\u200bwidth", "zero width"),  # format characters (category Cf)
    ("\ud800lone surrogate", "?lone surrogate"),  # not encodable as UTF-8 at all
    ("para\u2029graph\u0085next", "para graph next"),
    ("Grüße 👋 日本", "Grüße 👋 日本"),
    ("family 👩\u200d👩\u200d👧, می\u200cخواهم", "family 👩\u200d👩\u200d👧, می\u200cخواهم"),  # joiners stay
    ("new emoji \U0001FAE8 private \ue000", "new emoji \U0001FAE8 private \ue000"),  # unknown to unicodedata
    ("bidi \u202eoverride\u202c", "bidi override"),
])
def test_clean_text_removes_what_cannot_be_tokenized(raw, clean):
    assert clean_text(raw) == clean
    clean_text(raw).encode("utf-8")  # would raise on a surrogate


def test_tokenizers_accept_hostile_input(sentencepiece):
    hostile = "\x00\ud83d\x7f" + "🎉" * 3 + "\u202e"
    assert sentencepiece.decode(sentencepiece.encode(hostile)) == clean_text(hostile)
    assert train_char(["ab"]).encode(hostile)  # unknown characters, but no crash


@pytest.mark.parametrize("name,content,needle", [
    ("src.vocab.json", b"{not json", "character tokenizer"),
    ("src.vocab.json", b"[1, 2]", "character tokenizer"),
    ("src.vocab.json", b'{"kind": "char", "chars": "abc"}', "character tokenizer"),
    ("src.vocab.json", b'{"kind": "char", "chars": ["ab", 3]}', "character tokenizer"),
    ("src.vocab.json", b"\xff\xfe garbage", "character tokenizer"),
    ("src.model", b"not a sentencepiece model", "sentencepiece"),
])
def test_broken_tokenizer_files_give_a_user_error(tmp_path, name, content, needle):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(UserError, match=needle):
        load_tokenizer(tmp_path / name)


def test_missing_tokenizer_file_is_named(tmp_path):
    with pytest.raises(UserError, match="tokenizer file missing"):
        load_tokenizer(tmp_path / "tgt.model")
