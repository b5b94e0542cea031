"""Parallel-text reading and splitting, on tiny files generated here (no corpus text)."""
from __future__ import annotations

import gzip
import random

import pytest

from seq2seq.data.pairs import (
    Pair,
    read_line_pairs,
    read_tsv,
    split_given,
    split_grouped,
)
from seq2seq.errors import UserError


def write(path, data: bytes):
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["data.tsv", "data.tsv.gz"])
def test_read_tsv_parses_and_ignores_extra_columns_and_blank_lines(tmp_path, name):
    data = "\ufeffsrc a\tcible a\tCC-BY #1\r\n\n  \nsrc b\tcible b é\n".encode("utf-8")
    pairs = read_tsv(write(tmp_path / name, data))
    assert pairs == [Pair("src a", "cible a"), Pair("src b", "cible b é")]


def test_read_tsv_missing_tab_names_file_and_line(tmp_path):
    path = write(tmp_path / "data.tsv", b"a\tb\nc\td\nno tab here\n")
    with pytest.raises(UserError, match=r"data\.tsv line 3: no tab"):
        read_tsv(path)


def test_read_tsv_empty_side_names_file_and_line(tmp_path):
    path = write(tmp_path / "data.tsv", b"a\tb\n\t x\n")
    with pytest.raises(UserError, match=r"data\.tsv line 2: empty source"):
        read_tsv(path)
    path = write(tmp_path / "data.tsv", b"a\t \n")
    with pytest.raises(UserError, match=r"data\.tsv line 1: empty target"):
        read_tsv(path)


@pytest.mark.parametrize("name", ["bad.tsv", "bad.tsv.gz"])
def test_read_tsv_non_utf8_names_file_and_line(tmp_path, name):
    path = write(tmp_path / name, b"a\tb\nc\t\xe9t\xe9\n")
    with pytest.raises(UserError, match=r"bad\.tsv(\.gz)? line 2: not UTF-8"):
        read_tsv(path)


def test_read_tsv_missing_file_is_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        read_tsv(tmp_path / "nope.tsv")


def test_read_line_pairs_plain_and_gz(tmp_path):
    src = write(tmp_path / "x.en.gz", b"one\ntwo\n\nfour\n")
    tgt = write(tmp_path / "x.fr", b"un\ndeux\ntrois\nquatre\n")
    # Line 3 has a blank source, so that pair is dropped without breaking alignment.
    assert read_line_pairs(src, tgt) == [Pair("one", "un"), Pair("two", "deux"), Pair("four", "quatre")]


def test_read_line_pairs_keeps_unicode_line_separators_inside_lines(tmp_path):
    src = write(tmp_path / "s.txt", "a\u2028b\nc\n".encode("utf-8"))
    tgt = write(tmp_path / "t.txt", b"x\ny\n")
    assert [p.target for p in read_line_pairs(src, tgt)] == ["x", "y"]


def test_read_line_pairs_count_mismatch_names_both_counts(tmp_path):
    src = write(tmp_path / "s.txt", b"a\nb\nc\n")
    tgt = write(tmp_path / "t.txt", b"x\ny\n")
    with pytest.raises(UserError, match=r"s\.txt has 3 lines but .*t\.txt has 2"):
        read_line_pairs(src, tgt)


def fake_pairs(n_sources=3000, seed=0):
    """Sources with one to three distinct targets each, like Tatoeba."""
    rng = random.Random(seed)
    pairs = []
    for i in range(n_sources):
        pairs += [Pair(f"source {i}", f"target {i}.{k}") for k in range(rng.randint(1, 3))]
    return pairs


def sides(split):
    return {
        "train": {p.source for p in split.train},
        "valid": {p.source for p in split.valid},
        "test": {p.source for p in split.test},
    }


def test_split_grouped_is_deterministic_and_grouped():
    pairs = fake_pairs()
    a, b = split_grouped(pairs), split_grouped(pairs)
    assert a == b
    s = sides(a)
    assert not (s["train"] & s["valid"]) and not (s["train"] & s["test"]) and not (s["valid"] & s["test"])
    assert 20 < len(s["test"]) < 110 and 20 < len(s["valid"]) < 110  # about 2 % of 3000 each
    assert len(a.train) + len(a.valid) + sum(map(len, a.test_refs)) == len(pairs)


def test_split_grouped_ignores_order_and_is_stable_when_pairs_are_added():
    pairs = fake_pairs()
    shuffled = pairs[:]
    random.Random(1).shuffle(shuffled)
    assert sides(split_grouped(pairs)) == sides(split_grouped(shuffled))
    added = [Pair(f"new {i}", "x") for i in range(500)]
    bigger = sides(split_grouped(pairs + added))
    before = sides(split_grouped(pairs))
    for side in before:
        assert before[side] <= bigger[side]


def test_split_grouped_case_variants_stay_together():
    pairs = [Pair(f"Sentence {i}.", "a") for i in range(2000)]
    pairs += [Pair(f"sentence  {i}.", "b") for i in range(2000)]
    s = sides(split_grouped(pairs, valid_fraction=0.1, test_fraction=0.1))
    key = lambda text: " ".join(text.casefold().split())  # noqa: E731
    train_keys = {key(x) for x in s["train"]}
    assert not train_keys & {key(x) for x in s["test"] | s["valid"]}


def test_split_grouped_collects_all_references():
    pairs = fake_pairs()
    split = split_grouped(pairs, valid_fraction=0.05, test_fraction=0.05)
    expected = {}
    for p in pairs:
        expected.setdefault(p.source, []).append(p.target)
    assert len({p.source for p in split.test}) == len(split.test) == len(split.test_refs)
    for pair, refs in zip(split.test, split.test_refs):
        assert refs == expected[pair.source] and pair.target == refs[0]
    assert any(len(refs) > 1 for refs in split.test_refs)
    assert len(split.valid_refs) == len(split.valid)
    for pair, refs in zip(split.valid, split.valid_refs):
        assert refs == expected[pair.source]


def test_split_grouped_seed_changes_assignment_and_bad_fractions_fail():
    pairs = fake_pairs(1000)
    assert sides(split_grouped(pairs, seed=1)) != sides(split_grouped(pairs, seed=2))
    with pytest.raises(UserError):
        split_grouped(pairs, valid_fraction=0.6, test_fraction=0.5)
    with pytest.raises(UserError):
        split_grouped(pairs, valid_fraction=-0.1)


def test_split_given_keeps_every_line_with_one_reference():
    train = [Pair("a", "x")]
    valid = [Pair("b", "y"), Pair("b", "y2")]
    test = [Pair("c", "z"), Pair("c", "z")]
    split = split_given(train, valid, test)
    assert split.test == test and split.test_refs == [["z"], ["z"]]
    assert split.valid_refs == [["y"], ["y2"]] and split.train == train
