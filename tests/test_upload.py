"""Uploaded training files: each problem is named (with its line), and a good file is read in full."""
from __future__ import annotations

import pytest

from seq2seq.data.upload import MIN_PAIRS, validate_tsv
from seq2seq.errors import UserError


def good_file(pairs: int = 300) -> bytes:
    return "".join(f"sentence number {i}\tphrase numéro {i}\n" for i in range(pairs)).encode("utf-8")


def test_a_valid_file_gives_all_its_pairs_and_tolerates_bom_crlf_and_blank_lines():
    data = b"\xef\xbb\xbf" + good_file().replace(b"\n", b"\r\n") + b"\r\n\r\n"
    pairs = validate_tsv(data, "pairs.tsv")
    assert len(pairs) == 300
    assert (pairs[0].source, pairs[0].target) == ("sentence number 0", "phrase numéro 0")


@pytest.mark.parametrize("data, message", [
    (good_file()[:100] + b"caf\xe9\tcoffee\n" + good_file(), r"pairs\.tsv line 3: not UTF-8 text"),
    (b"one column only\n" * 300, r"pairs\.tsv has no tab at all"),
    (good_file(10) + b"no tab on this line\n" + good_file(), r"pairs\.tsv line 11: no tab between source and target"),
    (good_file(4) + b"\tmissing source\n" + good_file(), r"pairs\.tsv line 5: empty source sentence"),
    (good_file(2) + b"PK\x03\x04\x00\x00binary\tjunk\n", r"pairs\.tsv looks binary \(NUL byte on line 3\)"),
    (b"", r"pairs\.tsv is empty"),
    (b"\n \n", r"pairs\.tsv is empty"),
    (good_file(MIN_PAIRS - 1), rf"pairs\.tsv has {MIN_PAIRS - 1} sentence pairs; training needs at least {MIN_PAIRS}"),
    (b"same source\tsame target\n" * 500, r"too few distinct source sentences"),
])
def test_bad_files_are_refused_with_a_message_naming_the_problem(data, message):
    with pytest.raises(UserError, match=message):
        validate_tsv(data, "pairs.tsv")


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed():
    data = b"x" * (3 * 2**19)
    with pytest.raises(UserError, match=r"pairs\.tsv is 1\.5 MB; the limit is 1 MB"):
        validate_tsv(data, "pairs.tsv", max_bytes=2**20)
