"""The design's notation: every letter a shape comment in the engine uses is defined once, in
seq2seq/nn/notation.py's SHAPES."""
import re
from pathlib import Path

import seq2seq
from seq2seq.nn.notation import SHAPES

ENGINE = Path(seq2seq.__file__).parent
# A shape is a parenthesised, comma-separated list of sizes: "(B, T_src, D)", "(B*K, V)", "(B, [T,] T_src)".
SHAPE = re.compile(r"\([A-Za-z_0-9 +*×\-\[\],]*,[A-Za-z_0-9 +*×\-\[\] ]*\)")
# A size letter: a capital with an optional lower-case subscript (T_src, H_dec), or a layer's `in`.
LETTER = re.compile(r"[A-Z](?:_[a-z]+)?|in")


def shape_letters(text: str) -> set[str]:
    letters = set()
    for shape in SHAPE.findall(text):
        words = re.findall(r"[A-Za-z_][A-Za-z_0-9]*", shape)
        if words and all(LETTER.fullmatch(word) for word in words):  # not a tuple of names or of errors
            letters.update(words)
    return letters


def test_every_letter_of_a_shape_comment_is_defined_once():
    used = {}
    for path in sorted(ENGINE.rglob("*.py")):
        for letter in shape_letters(path.read_text(encoding="utf-8")):
            used.setdefault(letter, str(path.relative_to(ENGINE.parent)))
    undefined = {letter: where for letter, where in used.items() if letter not in SHAPES}
    assert undefined == {}, f"define these in seq2seq/nn/notation.py SHAPES: {undefined}"
    assert {"B", "T_src", "D", "H_dec", "H_out", "L", "E", "V"} <= set(used)


def test_the_reader_finds_the_letters_it_should():
    assert shape_letters("x = f(y)  # (B, T_src, D) and (B*K, V), (B, [T,] T_src); except (KeyError, OSError)") == \
        {"B", "T_src", "D", "K", "V", "T"}
