"""Pattern search: units on over a span, found again in other sentences."""
import numpy as np
import pytest

from seq2seq.analysis.patterns import Match, find_matches, units_on
from seq2seq.errors import UserError

UNITS = 8


def sample_with_planted_pattern(seed: int = 0):
    """40 sentences of random states in [-0.2, 0.2] (nothing on); units 2 and 5 are planted on together
    for 4 positions in sentence 7 and 3 positions in sentence 21, and unit 2 alone (a decoy) in 30."""
    rng = np.random.default_rng(seed)
    rows, sentence, position = [], [], []
    for number in range(40):
        length = int(rng.integers(6, 15))
        acts = rng.uniform(-0.2, 0.2, size=(length, UNITS))
        if number == 7:
            acts[3:7, [2, 5]] = 0.9
        if number == 21:
            acts[0:3, [2, 5]] = 0.8
        if number == 30:
            acts[1:9, 2] = 0.95
        rows.append(acts)
        sentence += [number] * length
        position += list(range(length))
    return np.concatenate(rows), np.array(sentence), np.array(position)


def test_units_on_over_a_span():
    acts = np.zeros((6, UNITS))
    acts[1:4, 3] = 0.7
    acts[1:3, 6] = 0.9  # on over part of the span only
    acts[2, 1] = -0.9
    assert units_on(acts, 1, 3, 0.5) == [3]
    assert units_on(acts, 1, 2, 0.5) == [3, 6]
    with pytest.raises(UserError, match="outside the sentence"):
        units_on(acts, 4, 9, 0.5)


def test_the_planted_pattern_is_found_and_the_decoy_is_not():
    states, sentence, position = sample_with_planted_pattern()
    query = states[sentence == 7]
    units = units_on(query, 3, 6, 0.5)
    assert units == [2, 5]
    assert find_matches(states, sentence, position, units, 0.5, min_length=4) == [Match(7, 3, 6)]
    shorter = find_matches(states, sentence, position, units, 0.5, min_length=3)
    assert shorter == [Match(7, 3, 6), Match(21, 0, 2)]  # longest first
    assert find_matches(states, sentence, position, units, 0.5, min_length=3, exclude=7) == [Match(21, 0, 2)]
    alone = find_matches(states, sentence, position, [2], 0.5, min_length=4)
    assert Match(30, 1, 8) in alone and alone[0] == Match(30, 1, 8)


def test_rows_in_any_order_give_the_same_matches():
    states, sentence, position = sample_with_planted_pattern(seed=3)
    shuffled = np.random.default_rng(1).permutation(len(states))
    found = find_matches(states[shuffled], sentence[shuffled], position[shuffled], [2, 5], 0.5, 3)
    assert found == find_matches(states, sentence, position, [2, 5], 0.5, 3)


def test_no_units_is_a_user_error():
    states, sentence, position = sample_with_planted_pattern()
    with pytest.raises(UserError, match="lower it"):
        find_matches(states, sentence, position, [], 0.5, 2)
