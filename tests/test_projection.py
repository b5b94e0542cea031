"""PCA of hidden states and the per-checkpoint reference sample it is fitted on."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from conftest import DATES_CHECKPOINT

from seq2seq.analysis.cache import cache_dir, cache_key, load_arrays
from seq2seq.analysis.projection import (
    PROJECTION_FILE,
    cached_spaces,
    fit_pca,
    fit_spaces,
)
from seq2seq.analysis.states import (
    SAMPLE_FILE,
    collect_states,
    reference_sample,
    trace_states,
)
from seq2seq.data.pairs import Pair
from seq2seq.service import load_translator

SMALL_SAMPLE = 24


def anisotropic(rows: int = 300, dims: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scales = np.linspace(5.0, 0.1, dims)
    return rng.normal(size=(rows, dims)) * scales @ rng.normal(size=(dims, dims)) + 3.0


def test_pca_matches_a_direct_numpy_svd():
    data = anisotropic()
    proj = fit_pca(data, 4)
    centred = data - data.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(proj.explained_ratio, singular[:4] ** 2 / (singular ** 2).sum(), rtol=1e-9)
    np.testing.assert_allclose(proj.explained_variance, singular[:4] ** 2 / (len(data) - 1), rtol=1e-9)
    np.testing.assert_allclose(np.abs(np.sum(proj.components * vt[:4], axis=1)), 1.0, atol=1e-9)
    coords = proj.transform(data)
    np.testing.assert_allclose(np.abs(coords), np.abs(centred @ vt[:4].T), atol=1e-8)
    assert proj.n_states == len(data)


def test_pca_signs_are_fixed_whatever_the_row_order():
    data = anisotropic(seed=1)
    shuffled = data[np.random.default_rng(7).permutation(len(data))]
    first, second = fit_pca(data), fit_pca(shuffled)
    np.testing.assert_allclose(first.components, second.components, atol=1e-10)
    largest = np.abs(first.components).argmax(axis=1)
    assert (first.components[np.arange(4), largest] > 0).all()


def test_pca_of_few_states_and_dimensions_still_gives_every_component():
    proj = fit_pca(np.array([[1.0, 2.0, 3.0], [2.0, 0.0, 1.0]]), 4)
    assert proj.components.shape == (4, 3) and not proj.components[3].any()
    assert proj.explained_ratio[0] == pytest.approx(1.0) and proj.explained_ratio[1:] == pytest.approx(0.0)
    assert proj.transform(np.zeros((1, 3))).shape == (1, 4)
    single = fit_pca(np.ones((1, 5)), 4)
    assert single.explained_ratio.tolist() == [0.0] * 4 and single.n_states == 1


@pytest.fixture
def two_copies(tmp_path):
    """Two separate copies of the dates checkpoint: each builds its own cache from scratch."""
    copies = [tmp_path / "a", tmp_path / "b"]
    for copy in copies:
        shutil.copytree(DATES_CHECKPOINT, copy)
    return copies


def test_derived_files_go_to_the_cache_and_leave_the_checkpoint_as_it_was(tmp_path, monkeypatch):
    """Shipped folders must stay as committed (and under 25 MB): the state sample alone can exceed that."""
    monkeypatch.setenv("SEQ2SEQ_CACHE", str(tmp_path / "cache"))
    copy = tmp_path / "dates"
    shutil.copytree(DATES_CHECKPOINT, copy)
    before = sorted(p.name for p in copy.iterdir())
    cached_spaces(reference_sample(load_translator(copy), copy, SMALL_SAMPLE), copy)
    assert sorted(p.name for p in copy.iterdir()) == before
    assert cache_dir(copy).is_relative_to(tmp_path / "cache") and (cache_dir(copy) / SAMPLE_FILE).is_file()


def test_projection_is_deterministic_for_a_checkpoint_and_sample(two_copies):
    fitted = []
    for copy in two_copies:
        translator = load_translator(copy)
        sample = reference_sample(translator, copy, SMALL_SAMPLE)
        fitted.append(cached_spaces(sample, copy))
        assert (cache_dir(copy) / SAMPLE_FILE).is_file() and (cache_dir(copy) / PROJECTION_FILE).is_file()
    for space in ("encoder", "decoder"):
        a, b = fitted[0][space], fitted[1][space]
        np.testing.assert_array_equal(a.components, b.components)
        np.testing.assert_array_equal(a.explained_ratio, b.explained_ratio)
        assert np.all(np.diff(a.explained_ratio) <= 0) and 0 < a.explained_ratio.sum() <= 1


def test_cached_projection_is_reused_then_dropped_when_weights_change(two_copies):
    copy = two_copies[0]
    translator = load_translator(copy)
    sample = reference_sample(translator, copy, SMALL_SAMPLE)
    first = cached_spaces(sample, copy)
    again = cached_spaces(reference_sample(translator, copy, SMALL_SAMPLE), copy)
    np.testing.assert_array_equal(first["decoder"].components, again["decoder"].components)
    assert again["decoder"].n_states == first["decoder"].n_states
    seed = translator.bundle.train_config.seed
    assert load_arrays(cache_dir(copy) / SAMPLE_FILE, cache_key(copy, sentences=SMALL_SAMPLE, seed=seed)) is not None
    weights = copy / "model.safetensors"
    os.utime(weights, (weights.stat().st_atime, weights.stat().st_mtime + 10))  # as if retrained
    assert load_arrays(cache_dir(copy) / SAMPLE_FILE, cache_key(copy, sentences=SMALL_SAMPLE, seed=seed)) is None


def test_encoder_spaces_share_forward_and_backward_states(dates_translator):
    sample = collect_states(dates_translator, [Pair("March 5, 1987", "1987-03-05")], "typed")
    spaces = fit_spaces(sample)
    assert spaces["encoder"].n_states == 2 * len(sample.families["encoder_forward"].states)
    assert spaces["encoder"].mean.shape == (dates_translator.model.config.enc_hidden,)
    assert spaces["decoder"].mean.shape == (dates_translator.model.config.dec_hidden,)


def test_batched_sample_states_equal_the_traced_states(dates_translator):
    pairs = [Pair("March 5, 1987", "1987-03-05"), Pair("12/03/2001", "2001-03-12")]
    sample = collect_states(dates_translator, pairs, "train")
    for number, pair in enumerate(pairs):
        traced = trace_states(dates_translator.teacher_forced(pair.source, pair.target))
        for family, found in sample.families.items():
            rows = found.sentence == number
            np.testing.assert_allclose(found.states[rows], traced[family], atol=1e-5)
            assert found.position[rows].tolist() == list(range(len(traced[family])))
    assert sample.tgt_pieces[0][-1] == "</s>" and sample.src_pieces[1][:2] == ["1", "2"]


def test_missing_training_data_is_a_user_error(tmp_path):
    from seq2seq.errors import UserError

    copy = tmp_path / "copy"
    shutil.copytree(DATES_CHECKPOINT, copy)
    config = (copy / "config.json").read_text().replace('"toy:dates"', '"tsv:/nonexistent/pairs.tsv"')
    (copy / "config.json").write_text(config)
    with pytest.raises(UserError):
        reference_sample(load_translator(copy), copy, SMALL_SAMPLE)
