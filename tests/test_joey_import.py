"""Opening a Joey NMT 2.3 RNN model: the model options it needs (fast tests), and the round trip (slow):
Joey NMT itself trains two tiny models in its own environment (benchmarks/.joey-venv, created once and
reused), `seq2seq import-joey` opens them, and our greedy translations must be the very strings
`joeynmt translate` writes for the same inputs; then the app's pages run on an imported model."""
from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch

from seq2seq.config import DecodeConfig, ModelConfig, model_config_from_dict, to_dict
from seq2seq.errors import UserError
from seq2seq.nn.model import Seq2Seq
from seq2seq.symbols import BOS_ID, EOS_ID, PAD_ID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the benchmarks' Joey helpers

NUMBERS = {"one": "un", "two": "deux", "three": "trois", "four": "quatre", "five": "cinq", "six": "six",
           "seven": "sept", "eight": "huit", "nine": "neuf", "ten": "dix", "eleven": "onze", "twelve": "douze"}


# --- the model options Joey's models need; their defaults leave our models as they were ---------------

def test_new_options_default_to_todays_behaviour_and_old_configs_load():
    config = ModelConfig(20, 20)
    assert (config.lstm_cell_init, config.output_len_ratio, config.output_len_extra, config.min_output_len,
            config.mask_specials) == ("projected", 2.0, 10, 0, False)
    old = {k: v for k, v in to_dict(config).items()
           if k not in ("lstm_cell_init", "output_len_ratio", "output_len_extra", "min_output_len", "mask_specials")}
    assert model_config_from_dict(old) == config  # a checkpoint written before these options
    assert [Seq2Seq(config).max_output_len(n) for n in (1, 7, 200)] == [12, 24, 128]  # min(128, 2n + 10)


def test_joeys_output_length_rule_and_refused_values():
    model = Seq2Seq(ModelConfig(20, 20, output_len_ratio=1.5, output_len_extra=0, max_tgt_len=1000))
    assert [model.max_output_len(n) for n in (1, 3, 7)] == [1, 4, 10]  # int(1.5 n), at least one step
    with pytest.raises(UserError, match="lstm_cell_init"):
        ModelConfig(20, 20, lstm_cell_init="copy").validate()
    with pytest.raises(UserError, match="mask_specials"):
        ModelConfig(20, 20, mask_specials="yes").validate()


def test_lstm_cell_starts_as_a_copy_of_the_first_hidden_state(make_bundle):
    bundle = make_bundle(cell="lstm", lstm_cell_init="hidden", dec_layers=2)
    src = torch.tensor([[5, 6, 7, EOS_ID]])
    _, _, state = bundle.model.encode(src, torch.tensor([4]))
    assert torch.equal(state.cell, state.hidden) and bundle.model.bridge.cell is None
    projected = make_bundle(cell="lstm")
    _, _, state = projected.model.encode(src, torch.tensor([4]))
    assert not torch.equal(state.cell, state.hidden)


def test_searches_never_end_before_min_output_len_nor_pick_specials(make_bundle):
    """An untrained model whose output layer favours </s>, <s> and <pad>: without the rules greedy search
    picks them, with them it cannot (and the beam obeys the same rules)."""
    from seq2seq.decoding.translator import Translator

    def biased(**options):
        bundle = make_bundle(seed=1, **options)
        with torch.no_grad():
            bias = bundle.model.decoder.output.bias
            bias[EOS_ID], bias[BOS_ID], bias[PAD_ID] = 30.0, 40.0, 50.0
        return Translator(bundle)

    plain = biased().trace("abc")
    assert plain.output_ids[0] == PAD_ID  # what the rules are there to prevent
    ruled = biased(min_output_len=2, mask_specials=True)
    for decode in (DecodeConfig(strategy="greedy"), DecodeConfig(strategy="beam", beam_size=3)):
        trace = ruled.trace("abc", decode)
        assert len(trace.output_ids) >= 2 and not {BOS_ID, PAD_ID, EOS_ID} & set(trace.output_ids[:2])
        assert trace.steps[len(trace.output_ids)].chosen_piece == "</s>"  # it still ends with </s> after that


# --- the data Joey's config names: recorded by the import, read back by the views ---------------------

def _plain(folder: Path, stem: str, count: int) -> None:
    for lang, word in (("en", "one"), ("fr", "un")):
        (folder / f"{stem}.{lang}").write_text("".join(f"{word} {i}\n" for i in range(count)), encoding="utf-8")


def test_the_import_records_joeys_files_where_they_are(tmp_path, monkeypatch):
    """A relative path is tried from the folder the import runs in, then beside model_dir's folder; what is
    found nowhere is recorded from the first, and what is not files (a Hugging Face dataset) as no files."""
    from seq2seq.interop.joey import _data_setting

    data, model_dir, elsewhere = tmp_path / "data", tmp_path / "models" / "run", tmp_path / "elsewhere"
    for folder in (data, model_dir, elsewhere):
        folder.mkdir(parents=True)
    _plain(data, "train.bpe", 5)
    _plain(data, "dev.bpe", 2)
    config = {"name": "numbers", "data": {"train": "data/train.bpe", "dev": str(data / "dev.bpe")}}
    monkeypatch.chdir(tmp_path)
    assert _data_setting(config, model_dir, ["en", "fr"]) == f"joey:{data}/train.bpe|{data}/dev.bpe|"
    monkeypatch.chdir(elsewhere)
    config["data"] |= {"train": "../data/train.bpe", "test": "data/test"}  # from models/: found; test: nowhere
    expected = f"joey:{data}/train.bpe|{data}/dev.bpe|{elsewhere}/data/test"
    assert _data_setting(config, model_dir, ["en", "fr"]) == expected
    config["data"]["dataset_type"] = "huggingface"
    assert _data_setting(config, model_dir, ["en", "fr"]) == "joey:numbers"


def test_pages_show_a_joey_data_setting_shortened():
    from seq2seq.data.joey_data import label

    assert label("joey:/d/iwslt/train|/d/iwslt/valid|/d/iwslt/test") == "joey:/d/iwslt/{train,valid,test}"
    assert label("joey:tsv:/d/train|/e/dev|") == "joey:tsv:/d/train, /e/dev"
    assert label("joey:numbers") == "joey:numbers"


def test_a_joey_data_setting_loads_its_files_or_says_in_one_line_what_is_missing(tmp_path):
    from seq2seq.config import TrainConfig
    from seq2seq.data.pairs import Pair
    from seq2seq.data.splits import load_split
    from seq2seq.errors import TrainingDataMissing

    _plain(tmp_path, "train", 5)
    (tmp_path / "test.tsv").write_text("fr\ten\ntrois\tthree\n\tempty\nquatre\tfour\n", encoding="utf-8")
    split = load_split(TrainConfig(data=f"joey:{tmp_path}/train||"))
    assert (len(split.train), split.valid, split.test) == (5, [], []) and split.train[1] == Pair("one 1", "un 1")
    split = load_split(TrainConfig(data=f"joey:tsv:{tmp_path}/test||{tmp_path}/test"))  # columns by language
    assert split.train == split.test == [Pair("three", "trois"), Pair("four", "quatre")]
    gone = f"{tmp_path}/gone.en, {tmp_path}/gone.fr missing"
    for data, expected in ((f"joey:{tmp_path}/train|{tmp_path}/gone|", gone),
                           ("joey:numbers", "not recorded as files when it was imported")):
        with pytest.raises(TrainingDataMissing) as raised:
            load_split(TrainConfig(data=data))
        assert expected in str(raised.value) and "\n" not in str(raised.value)


# --- the round trip with Joey NMT itself (slow: Joey trains two tiny models) ----------------------------

def _number_pairs(seed: int, count: int) -> list[tuple[str, str]]:
    """English number words to French, word for word: learnt in a few hundred steps by any attention model."""
    rng, words = random.Random(seed), list(NUMBERS)
    pairs = []
    for _ in range(count):
        sentence = [rng.choice(words) for _ in range(rng.randint(1, 6))]
        pairs.append((" ".join(sentence), " ".join(NUMBERS[w] for w in sentence)))
    return pairs


TEST_PAIRS = 24  # the test part Joey's config names (Joey's training never reads it; our views do)

JOEY_MODELS = {
    # char level, GRU, Bahdanau, input feeding, two decoder layers (Joey's one bridge starts both)
    "gru-bahdanau-char": {"level": "char",
                          "encoder": {"rnn_type": "gru", "hidden_size": 32, "num_layers": 1,
                                      "embeddings": {"embedding_dim": 16}},
                          "decoder": {"rnn_type": "gru", "hidden_size": 48, "num_layers": 2, "attention": "bahdanau",
                                      "input_feeding": True, "embeddings": {"embedding_dim": 16}},
                          "tied_softmax": False, "batch_tokens": 400, "lr": 0.01, "epochs": 1},
    # sentencepiece, LSTM (c_0 = s_0), Luong, no input feeding, source embeddings scaled by sqrt(d), output
    # layer tied to the target embeddings
    "lstm-luong-sentencepiece": {"level": "bpe",
                                 "encoder": {"rnn_type": "lstm", "hidden_size": 32, "num_layers": 1,
                                             "embeddings": {"embedding_dim": 48, "scale": True}},
                                 "decoder": {"rnn_type": "lstm", "hidden_size": 48, "num_layers": 1,
                                             "attention": "luong", "input_feeding": False,
                                             "embeddings": {"embedding_dim": 48}},
                                 "tied_softmax": True, "batch_tokens": 200, "lr": 0.005, "epochs": 3},
}


def _joey_python() -> Path:
    """The benchmarks' Joey environment, created on first use (minutes, once) and reused; skipped when the
    package registry cannot be reached to create it."""
    from benchmarks.joey_env import JOEY_VENV, PACKAGES, _works, joey_python

    python = JOEY_VENV / "bin" / "python"
    if not _works(python):
        with tempfile.TemporaryDirectory() as probe_dir:  # a quick look at the registry before minutes of pip
            probe = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--timeout", "20",
                                    "--retries", "1", "-d", probe_dir, PACKAGES[1]], capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip(f"Joey NMT's environment is missing and pip cannot fetch {PACKAGES[1]}: "
                        f"{(probe.stderr.strip().splitlines() or ['no answer'])[-1]}")
        try:
            return joey_python()
        except (SystemExit, subprocess.CalledProcessError) as exc:
            pytest.skip(f"could not create Joey NMT's environment: {exc}")
    return python


def _write_run(folder: Path, name: str, spec: dict, train, dev, test) -> Path:
    from benchmarks.joey_config import testing_section, training_section, write_config, write_corpus, write_tokenizer
    from seq2seq.data.pairs import Pair
    from seq2seq.data.tokenizer import train_sentencepiece

    folder.mkdir(parents=True)
    stems = [write_corpus(folder, part, [Pair(s, t) for s, t in pairs], "en", "fr") for part, pairs in
             (("train", train), ("dev", dev), ("test", test))]
    sides = {}
    for side, lang, texts in (("src", "en", [s for s, _ in train]), ("trg", "fr", [t for _, t in train])):
        sides[side] = {"lang": lang, "level": spec["level"], "max_length": 80}
        if spec["level"] == "bpe":
            model, vocab = write_tokenizer(folder, side, train_sentencepiece(texts, 300))
            sides[side] |= {"tokenizer_type": "sentencepiece", "voc_file": str(vocab),
                            "tokenizer_cfg": {"model_file": str(model)}}
    model = {"initializer": "xavier_uniform", "tied_softmax": spec["tied_softmax"],
             "encoder": {"type": "recurrent", "bidirectional": True, **spec["encoder"]},
             "decoder": {"type": "recurrent", "init_hidden": "bridge", **spec["decoder"]}}
    # No validation (it would only cost time): Joey saves latest.ckpt when training ends.
    # A constant learning rate: Joey's "decaying" schedule divides it by 10 within the first epoch on torch 2.13.
    training = training_section(folder / "model", spec["batch_tokens"], spec["lr"], 0.1, 1.0, logging_freq=50,
                                validation_freq=10**6, epochs=spec["epochs"]) | {"scheduling": "exponential",
                                                                                 "decrease_factor": 1.0}
    config = {"name": name, "model_dir": str(folder / "model"), "model": model, "training": training,
              "testing": testing_section(beam_size=1, batch_size=1),
              "data": {"train": str(stems[0]), "dev": str(stems[1]), "test": str(stems[2]), "dataset_type": "plain",
                       **sides}}
    return write_config(folder / "config.yaml", config)


@pytest.fixture(scope="module")
def joey_runs(tmp_path_factory):
    """Joey NMT trains both models at once (one core each): name -> (its config, its model_dir)."""
    from benchmarks.common import thread_env

    python = _joey_python()
    root = tmp_path_factory.mktemp("joey")
    parts = _number_pairs(1, 2500), _number_pairs(2, 20), _number_pairs(4, TEST_PAIRS)
    configs = {name: _write_run(root / name, name, spec, *parts) for name, spec in JOEY_MODELS.items()}
    processes = {name: subprocess.Popen([str(python), "-m", "joeynmt", "train", str(config), "--skip-test"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=thread_env(1))
                 for name, config in configs.items()}
    for name, process in processes.items():
        log = process.communicate(timeout=600)[0]
        assert process.returncode == 0, f"Joey NMT failed to train {name}:\n{log[-3000:]}"
    return {name: (config, root / name / "model") for name, config in configs.items()}


def _joey_translate(config: Path, model_dir: Path, sources: list[str], folder: Path) -> list[str]:
    from benchmarks.joey_config import decoding_config
    from benchmarks.joey_env import joey_python
    from benchmarks.joey_run import translate

    # Sentence by sentence: Joey's length limit is per batch (1.5 x its longest source), ours per sentence.
    decoding = decoding_config(config, model_dir / "latest.ckpt", folder / "decode.yaml", beam_size=1, batch_size=1)
    return translate(joey_python(), decoding, 1, sources, folder)[1]


TEST_SOURCES = [s for s, _ in _number_pairs(3, 30)] + ["twelve", "one two three four five six seven eight nine ten"]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(JOEY_MODELS))
def test_imported_model_translates_exactly_as_joey_does(name, joey_runs, tmp_path, capsys):
    from seq2seq.cli.main import main
    from seq2seq.decoding.translator import load_translator

    config, model_dir = joey_runs[name]
    out = tmp_path / "imported"
    assert main(["import-joey", str(model_dir), "--out", str(out)]) == 0
    assert f"to {out}" in capsys.readouterr().err
    ours = load_translator(out).translate(TEST_SOURCES)
    joey = _joey_translate(config, model_dir, TEST_SOURCES, tmp_path)
    assert ours == joey
    # Not a vacuous match: the model answers differently to different inputs, mostly right.
    assert len(set(joey)) >= len(TEST_SOURCES) // 2
    right = sum(o == " ".join(NUMBERS[w] for w in s.split()) for s, o in zip(TEST_SOURCES, ours))
    assert right >= 3, list(zip(TEST_SOURCES, ours))


SP_MODEL = "lstm-luong-sentencepiece"
HERE, ELSEWHERE = "runs/joey-numbers", "runs/joey-elsewhere"
INSIDE = "pages/3_Inside_the_model.py"
INSIDE_VIEWS = ("Trajectories", "Compare", "Neurons", "Neighbours", "Bottleneck", "Gradients")


@pytest.fixture(scope="module")
def imported(joey_runs, tmp_path_factory) -> Path:
    """The sentencepiece model imported twice into one runs folder: HERE, whose data files (the ones Joey's
    config.yaml names) are on this computer, and ELSEWHERE, a copy whose config.yaml names files that are not."""
    import yaml

    from seq2seq.interop.joey import import_joey

    root = tmp_path_factory.mktemp("imported")
    model_dir = joey_runs[SP_MODEL][1]
    import_joey(model_dir, root / "runs" / "joey-numbers")
    moved = _copy_run(model_dir, root)
    config = yaml.safe_load((moved / "config.yaml").read_text(encoding="utf-8"))
    config["data"] |= {part: str(root / "gone" / part) for part in ("train", "dev", "test")}
    (moved / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    import_joey(moved, root / "runs" / "joey-elsewhere")
    return root / "runs"


def _messages(app) -> list[str]:
    """The page's error, warning and info boxes as read (Markdown's escaping backslashes dropped)."""
    return [m.value.replace("\\", "") for kind in (app.error, app.warning, app.info) for m in kind]


@pytest.mark.slow
def test_pages_work_on_an_imported_model(imported):
    from apptest_helpers import no_exception, open_page, shown
    from conftest import runs_folder

    from seq2seq import service

    with runs_folder(imported):
        translator = service.load_translator(service.find_model(HERE).path)
        trace = translator.trace("three four")
        steps = len(trace.steps)
        assert steps >= 2 and trace.steps[-1].chosen_piece == "</s>" and trace.translation
        for page in ("app.py", "pages/1_Translate.py"):
            app = no_exception(open_page(page, model=HERE, text="three four"))
            assert shown(app, f"{steps} decoding steps") and shown(app, trace.translation.split()[0]), page
        app = no_exception(open_page("pages/2_Step_by_step.py", model=HERE, text="three four"))
        assert shown(app, f"**Step 1 of {steps}**")
        next(b for b in app.button if b.label.startswith("Next")).click().run()
        assert shown(app, f"**Step 2 of {steps}**") and not app.exception


@pytest.mark.slow
def test_every_other_page_on_an_imported_model_reads_joeys_data(imported, joey_runs):
    """Inside's views, Lesson, Models, Train and Glossary on the imported model, whose training and test
    sentences come from the files Joey's config names: neighbours are Joey's training sentences, the
    seen-words note counts them, the Models page scores the test part."""
    from apptest_helpers import no_exception, open_page, shown
    from conftest import runs_folder

    folder = joey_runs[SP_MODEL][0].parent
    training = set((folder / "train.en").read_text(encoding="utf-8").splitlines())
    with runs_folder(imported):
        for view in INSIDE_VIEWS:
            app = no_exception(open_page(INSIDE, model=HERE, view=view, text="three four zebra"))
            assert not [m for m in _messages(app) if "not on this" in m], (view, _messages(app))
            if view == "Trajectories":
                assert shown(app, "from 500 training sentences")
                assert f"data: joey:{folder}/{{train,dev,test}}" in app.sidebar.caption[0].value.replace("\\", "")
                # The seen-words note counts Joey's training file: "zebra" is in none of its 2,500 sentences.
                assert any("**zebra** (never)" in m and "2,500 sentences" in m for m in _messages(app))
            if view == "Neighbours":
                sources = set(app.table[0].value["source"])
                assert len(sources) >= 3 and sources <= training
            if view == "Neurons":  # pattern search ran over the training sample
                assert shown(app, "among 500 training sentences, longest first")
        lesson = no_exception(open_page("pages/6_Lesson.py", model=HERE, sentence="three four"))
        assert lesson.sidebar.selectbox[0].value == HERE and lesson.subheader[0].value.startswith("Step 1 of")
        models = no_exception(open_page("pages/5_Models.py", model=HERE))
        assert HERE in set(models.dataframe[0].value["model"])
        next(b for b in models.button if b.label.startswith("Evaluate")).click().run()
        test = set((folder / "test.en").read_text(encoding="utf-8").splitlines())
        assert [m.value for m in models.success] and f"on {len(test)} test sentences" in models.success[0].value
        for page in ("pages/4_Train.py", "pages/7_Glossary.py"):
            no_exception(open_page(page, model=HERE))


@pytest.mark.slow
def test_pages_say_in_one_line_that_an_imported_models_data_is_not_here(imported):
    """The model whose Joey data files are elsewhere: every view that needs them says so in one message,
    naming a missing file and what still works; everything about a typed sentence still works."""
    from apptest_helpers import no_exception, open_page, shown
    from conftest import runs_folder

    missing = "Joey NMT trained this model on data that is not on this computer: "
    still = {"Trajectories": "fitted on the sentences you typed", "Compare": "fitted on the sentences you typed",
             "Neurons": "the charts above need only your sentence",
             "Neighbours": "the other views work on the sentences you type"}
    with runs_folder(imported):
        for view in INSIDE_VIEWS:
            app = no_exception(open_page(INSIDE, model=ELSEWHERE, view=view, text="three four"))
            said = [m for m in _messages(app) if missing in m]
            assert len(said) == (view in still) and all("\n" not in m and "gone/train.en" in m for m in said), said
            if view in still:
                assert still[view] in said[0], said
            if view != "Gradients":  # its own three models, no sentence box
                assert shown(app, "cannot be counted: its training data is not on this machine")  # seen words
        models = no_exception(open_page("pages/5_Models.py", model=ELSEWHERE))
        next(b for b in models.button if b.label.startswith("Evaluate")).click().run()
        error = _messages(no_exception(models))[0]
        assert missing in error and "sentences of your own can" in error and "\n" not in error


@pytest.mark.slow
def test_evaluate_command_on_an_imported_model(joey_runs, imported, tmp_path, capsys):
    """--src/--ref and --split test score the imported model; when Joey's files are not here, the import
    warns and --split answers in one line, naming --src/--ref."""
    import json

    import yaml

    from seq2seq.cli.main import main

    folder = joey_runs[SP_MODEL][0].parent
    src, ref = folder / "test.en", folder / "test.fr"
    assert main(["evaluate", "--checkpoint", str(imported / "joey-numbers"), "--src", str(src), "--ref", str(ref)]) == 0
    given = json.loads(capsys.readouterr().out)
    assert main(["evaluate", "--checkpoint", str(imported / "joey-numbers"), "--split", "test"]) == 0
    split = json.loads(capsys.readouterr().out)
    sources = src.read_text(encoding="utf-8").splitlines()
    assert (given["sentences"], split["sentences"]) == (len(sources), len(set(sources))) and given["bleu"] > 0
    assert split["data"].endswith("/test test split")
    moved = _copy_run(joey_runs[SP_MODEL][1], tmp_path)
    config = yaml.safe_load((moved / "config.yaml").read_text(encoding="utf-8"))
    config["data"]["train"] = str(tmp_path / "gone" / "train")
    (moved / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    assert main(["import-joey", str(moved), "--out", str(tmp_path / "out")]) == 0
    warning = capsys.readouterr().err.splitlines()[-1]
    assert warning.startswith("warning: Joey NMT trained this model on data that is not on this computer: ")
    assert main(["evaluate", "--checkpoint", str(tmp_path / "out"), "--split", "test"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "gone/train.en" in error and "--src FILE --ref FILE" in error


def _copy_run(model_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(model_dir, copy, symlinks=False)
    return copy


@pytest.mark.slow
def test_what_does_not_map_is_refused_in_one_line(joey_runs, tmp_path, capsys):
    import yaml

    from seq2seq.cli.main import main

    model_dir = _copy_run(joey_runs["gru-bahdanau-char"][1], tmp_path)
    original = (model_dir / "config.yaml").read_text(encoding="utf-8")
    cases = {"Transformer": ("decoder", {"type": "transformer"}), "init_hidden": ("decoder", {"init_hidden": "last"}),
             "one cell": ("encoder", {"rnn_type": "lstm"})}
    for expected, (part, change) in cases.items():
        config = yaml.safe_load(original)
        config["model"][part] |= change
        (model_dir / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        assert main(["import-joey", str(model_dir), "--out", str(tmp_path / "out")]) == 2
        message = capsys.readouterr().err
        assert message.startswith("error: ") and message.count("\n") == 1 and expected in message, message
        assert not (tmp_path / "out").exists()


class Payload:
    """Pickled into a checkpoint by reference: loading it unrestricted would import and call code."""

    def __reduce__(self):
        return (print, ("code ran",))


@pytest.mark.slow
def test_a_checkpoint_that_is_more_than_weights_is_refused(joey_runs, tmp_path, capsys):
    from seq2seq.interop.joey import import_joey

    model_dir = _copy_run(joey_runs["gru-bahdanau-char"][1], tmp_path)
    state = torch.load(model_dir / "latest.ckpt", weights_only=True)
    torch.save(state | {"stats_state": Payload()}, model_dir / "latest.ckpt")
    with pytest.raises(UserError, match="not loadable as weights only"):
        import_joey(model_dir, tmp_path / "out")
    assert "code ran" not in capsys.readouterr().out


@pytest.mark.slow
def test_an_imported_model_fine_tunes_on_joeys_files(joey_runs, tmp_path, capsys):
    """`seq2seq train` from the imported model (init_from) on the data its setting records: the files are
    hashed into the new checkpoint's metrics, and a Joey config that names no test part ends the run without
    test scores; `evaluate --split test` then says there is no test part, in one line."""
    import json

    import yaml

    from seq2seq.cli.main import main
    from seq2seq.interop.joey import import_joey

    moved = _copy_run(joey_runs[SP_MODEL][1], tmp_path)
    config = yaml.safe_load((moved / "config.yaml").read_text(encoding="utf-8"))
    del config["data"]["test"]
    (moved / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    imported = import_joey(moved, tmp_path / "imported")
    model = {k: v for k, v in json.loads((tmp_path / "imported" / "config.json").read_text())["model"].items()
             if k not in ("src_vocab_size", "tgt_vocab_size")}  # they come from the tokenizers
    train = {"data": imported.train_config.data, "src_lang": "en", "tgt_lang": "fr", "precision": "fp32",
             "init_from": str(tmp_path / "imported"), "max_steps": 10, "valid_every": 10, "threads": 1}
    (tmp_path / "recipe.json").write_text(json.dumps({"model": model, "train": train}), encoding="utf-8")
    assert main(["train", "--config", str(tmp_path / "recipe.json"), "--out", str(tmp_path / "tuned"), "--quiet"]) == 0
    metrics = json.loads((tmp_path / "tuned" / "metrics.json").read_text(encoding="utf-8"))
    folder = joey_runs[SP_MODEL][0].parent
    assert sorted(metrics["data_files"]) == [str(folder / f"{part}.{lang}") for part in ("dev", "train")
                                             for lang in ("en", "fr")]
    assert "test" not in metrics and metrics["steps"] == 10
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(tmp_path / "tuned"), "--split", "test"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "has no test part" in error and "--src FILE --ref FILE" in error


@pytest.fixture
def chromium(request):
    """(page, server url): Debian's chromium on an app server whose runs folder is runs_dir; skipped without
    Playwright or chromium."""
    from conftest import playwright_or_skip

    playwright_or_skip()
    return request.getfixturevalue("browser_page"), request.getfixturevalue("server_url")


@pytest.mark.slow
@pytest.mark.browser
def test_inside_page_in_chromium_on_an_imported_model(joey_runs, runs_dir, chromium):
    """The Inside page in a real browser on the imported model, its paths drawn over Joey's training
    sentences: no exception, no console error, charts drawn inside their columns (screenshot
    test-artifacts/joey-inside.png)."""
    from conftest import ARTIFACTS, settle
    from test_browser_views import Console, check

    from seq2seq.interop.joey import import_joey

    page, url = chromium
    import_joey(joey_runs[SP_MODEL][1], runs_dir / "joey-numbers")
    console = Console(page)
    page.goto(f"{url}/Inside_the_model?model={HERE}&view=Trajectories&text=three+four+five%0Aseven+eight")
    settle(page)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stVegaLiteChart] svg.marks').length >= 2")
    check(page, console, "inside on the imported model")
    text = page.get_by_test_id("stMain").inner_text()
    assert "from 500 training sentences" in text and "not on this" not in text
    page.mouse.move(0, 0)  # no tooltip in the picture
    page.screenshot(path=str(ARTIFACTS / "joey-inside.png"), full_page=True)
