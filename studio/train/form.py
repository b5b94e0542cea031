"""The Train page's recipe form: a preset, then every setting as a widget seeded from it.

Widget keys carry the preset's name, so picking another preset resets every widget to its values
instead of keeping what was typed for the previous one.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import streamlit as st

from seq2seq.config import ATTENTIONS, CELLS, MODEL_RANGES, NONLINEARITIES, TOKENIZER_RANGES, TRAIN_RANGES
from seq2seq.service import runs
from seq2seq.service.runs import CORPORA, MAX_THREADS, MAX_UPLOAD_BYTES, TASKS, available_corpora, get_preset
from studio.shared import classroom, glossary, upload_permits
from studio.shared.messages import user_errors
from studio.train.cache import checked_upload

PRESETS = {"Dates in a minute": "dates", "Reverse a string": "reverse",
           "Reverse a string, no attention (the bottleneck)": "reverse-noattn",
           "Tatoeba small (about 10 minutes)": "tatoeba-small", "Tatoeba full": "tatoeba-en-fr",
           "Multi30k": "multi30k-en-fr"}
DATA_KINDS = ("Toy task", "Corpus on this computer", "Upload a TSV file")
SIZES = (8, 16, 32, 64, 128, 256, 512, 1024)


def bounds(table: dict, name: str, most: float | None = None) -> tuple:
    """A widget's bounds: the setting's legal range (seq2seq.config, which the trainer and the CLI check
    too), narrowed to `most` where larger values make no sense on this form."""
    legal = table[name]
    high = legal.high if most is None else min(legal.high, most)
    return (int(legal.low), int(high)) if legal.integer else (float(legal.low), float(high))
RATES = (1e-4, 2e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2)


@dataclass
class Draft:
    """What the form describes: launchable once `recipe` is set and the data is present."""
    preset: str
    recipe: dict[str, Any] | None  # None while the data choice is incomplete
    upload: bytes | None
    name: str
    threads: int


def recipe_form() -> Draft:
    label = st.selectbox("Start from a preset", list(PRESETS), key="train_preset",
                         help="Every setting below starts from the preset; change any of them.")
    preset = PRESETS[label]
    base = copy.deepcopy(get_preset(preset))
    st.caption(base["description"])
    k = f"{preset}:"
    data, upload = _data_section(base["train"], k)
    model = {**base["model"], **_model_section(base["model"], k)}
    train = {**base["train"], **_train_section(base["train"], k)}
    stop = None if data is None else stop_rule(base["train"], data["data"], k)
    name, threads = _run_section(preset, k)
    recipe = None if data is None or stop is None else \
        {"model": model, "train": {**train, **data, **stop, "threads": threads}}
    if recipe is not None and upload is not None:
        schedule_note(recipe["train"], upload, k)
    return Draft(preset, recipe, upload, name, threads)


def schedule_note(train: dict[str, Any], upload: bytes, k: str) -> None:
    """Before launch: say when the schedule or the vocabulary does not fit the uploaded data (a preset tuned
    for generated toy data gives a few hundred pairs a handful of huge steps and no validation, and 8,000
    pieces for a few hundred sentences are mostly words seen once) and offer settings that do."""
    with user_errors():
        pairs = checked_upload(upload, "upload")
        fit = runs.schedule_fit(train, runs.target_pieces(list(pairs["target"]), train["tokenizer"]["kind"]))
        notes, suggestion = [], dict(fit.suggestion)
        if not fit.fits:
            never = "the run never validates" if not fit.validations else f"it validates only {fit.validations} time(s)"
            notes.append(f"{len(pairs):,} pairs make about {fit.target_pieces:,} target pieces, so an epoch is "
                         f"{fit.steps_per_epoch} step(s) and the whole run {fit.total_steps:,} steps, and {never} "
                         f"(every {train['valid_every']:,} steps). A model trained so little scores about 0")
        vocab = _vocabulary_note(train["tokenizer"], pairs, notes)
        if vocab:
            suggestion["vocab_size"] = vocab
        if not notes:
            return
        st.warning(f"These settings do not fit this data: {'; '.join(notes)}. Settings that fit: "
                   + ", ".join(_described(name, value) for name, value in suggestion.items()) + ".")
        st.button("Use the settings that fit", key=k + "fit", on_click=_apply, args=(k, suggestion))


def _vocabulary_note(tokenizer: dict[str, Any], pairs, notes: list[str]) -> int | None:
    """The vocabulary size both sides can fill, when the form's is larger (a note says why); else None."""
    if tokenizer["kind"] != "sentencepiece":
        return None
    size = tokenizer["vocab_size"]
    fit = max(runs.vocabulary_fit(list(pairs[side]), size) for side in ("source", "target"))
    if fit >= size:
        return None
    notes.append(f"a vocabulary of {size:,} pieces per side is more than {len(pairs):,} pairs can fill: most "
                 f"pieces would be whole words seen once, which teach the model nothing it can reuse")
    return fit


SUGGESTED = {"batch_tokens": "batches of {:,} target pieces", "epochs": "{} epochs",
             "valid_every": "validation every {} steps", "vocab_size": "a vocabulary of {:,} pieces per side"}
WIDGETS = {"batch_tokens": "batch", "epochs": "epochs", "valid_every": "valid", "vocab_size": "vocab"}


def _described(name: str, value: int) -> str:
    return SUGGESTED[name].format(value)


def _apply(k: str, suggestion: dict[str, int]) -> None:
    """Set the form's widgets (a callback runs before they are drawn again)."""
    for name, value in suggestion.items():
        st.session_state[k + WIDGETS[name]] = value


# ----- when to stop early -----
def score_metric(data: str) -> str:
    """What validation measures on this data: exact match on toy tasks, BLEU on language."""
    return "exact_match" if data.startswith("toy:") else "bleu"


def preset_target(train: dict[str, Any], data: str) -> float:
    """The preset's target score, on the scale the widget shows (exact match in %, BLEU 0-100), for the
    preset's own data only: 0.995 exact match means nothing for BLEU on other data."""
    metric = score_metric(data)
    same = data == train["data"] and train.get("target_metric", "exact_match") == metric
    target = float(train.get("target_score", 0.0)) if same else 0.0
    return target * 100 if metric == "exact_match" else target


def stop_rule(train: dict[str, Any], data: str, k: str) -> dict[str, Any] | None:
    """target_score and target_metric for the chosen data, each on its own scale; None (with a
    message) for a BLEU target that only makes sense as a fraction."""
    metric = score_metric(data)
    label = "Stop at validation exact match (%, 0 = never)" if metric == "exact_match" else \
        "Stop at validation BLEU (0-100, 0 = never)"
    value = st.number_input(label, *bounds(TRAIN_RANGES, "target_score"), preset_target(train, data), 0.5,
                            key=f"{k}target:{data}",
                            help="The run ends as soon as a validation reaches this score. Exact match is the "
                                 "share of outputs identical to the reference; BLEU is on a 0-100 scale.")
    if metric == "bleu" and 0 < value <= 1:
        st.error(f"BLEU is on a 0-100 scale: a target of {value:g} would end the run at its first validation. "
                 "Type the BLEU to reach (e.g. 25), or 0 to train until the other limits.")
        return None
    if not value:
        return {"target_score": 0.0}
    return {"target_score": round(value / 100, 4) if metric == "exact_match" else value, "target_metric": metric}


# ----- data -----
def _data_section(train: dict[str, Any], k: str) -> tuple[dict[str, Any] | None, bytes | None]:
    st.subheader("Data")
    default = 0 if train["data"].startswith("toy:") else 1
    kind = st.radio("Train on", DATA_KINDS, index=default, horizontal=True, key=k + "data_kind")
    if kind == DATA_KINDS[0]:
        return _toy_data(train, k), None
    if kind == DATA_KINDS[1]:
        data = _corpus_data(train, k)
        return (None if data is None else {**data, **_tokenizer(train, k)}), None
    return _upload_data(train, k)


def _probe(train: dict[str, Any], data: str, k: str) -> list[str]:
    """The preset's probe fits the preset's data only; other data defaults to validation sentences."""
    default = train.get("probes", [""])[0] if data == train["data"] else ""
    text = st.text_input("Probe sentence", default, key=f"{k}probe:{data}",
                         help="Translated at every validation so you can watch it improve. "
                              "Blank: the first two validation sentences.")
    return [text.strip()] if text.strip() else []


def _toy_data(train: dict[str, Any], k: str) -> dict[str, Any]:
    tasks = list(TASKS)
    current = train["data"][4:] if train["data"].startswith("toy:") else "dates"
    task = st.selectbox("Toy task", tasks, index=tasks.index(current), key=k + "toy")
    data = f"toy:{task}"
    return {"data": data, "tokenizer": {"kind": "char"}, "probes": _probe(train, data, k)}


def _corpus_data(train: dict[str, Any], k: str) -> dict[str, Any] | None:
    present = [name for name, found in available_corpora() if found]
    if not present:
        st.warning("No corpus was found on this computer. Put Tatoeba or Multi30k in ../shared/data or "
                   "$SEQ2SEQ_DATA, or download one with `python -m seq2seq train --preset tatoeba-small --download`.")
        return None
    index = present.index(train["data"]) if train["data"] in present else 0
    corpus = st.selectbox("Corpus", present, index=index, key=k + "corpus",
                          format_func=lambda n: f"{n} — {CORPORA[n].description[:70]}")
    languages = list(CORPORA[corpus].languages)
    left, right = st.columns(2)
    src = left.selectbox("From", languages, index=_index(languages, train.get("src_lang", "en")), key=k + "src")
    tgt = right.selectbox("To", languages, index=_index(languages, train.get("tgt_lang", "fr")), key=k + "tgt")
    if src == tgt:
        st.error("Choose two different languages.")
        return None
    return {"data": corpus, "src_lang": src, "tgt_lang": tgt, "probes": _probe(train, corpus, k)}


def _index(options: list, value) -> int:
    return options.index(value) if value in options else 0


def _tokenizer(train: dict[str, Any], k: str) -> dict[str, Any]:
    # A toy preset's characters are a poor default for language: start from SentencePiece then.
    base = {} if train["data"].startswith("toy:") else train.get("tokenizer", {})
    left, right = st.columns(2)
    kinds = ["sentencepiece", "char"]
    kind = left.radio("Pieces", kinds, index=_index(kinds, base.get("kind", "sentencepiece")), horizontal=True,
                      key=k + "tok", help="SentencePiece subwords for language; characters for codes and toys.")
    vocab = right.number_input("Vocabulary per side", *bounds(TOKENIZER_RANGES, "vocab_size", 32000),
                               int(base.get("vocab_size", 8000)), step=500, key=k + "vocab", disabled=kind == "char")
    return {"tokenizer": {"kind": kind, "vocab_size": int(vocab)}}


def _upload_data(train: dict[str, Any], k: str) -> tuple[dict[str, Any] | None, bytes | None]:
    if not classroom.unlocked():
        st.info("Uploading training data needs the teacher passphrase (classroom mode): the teacher unlocks it "
                "at the top of this page.")
        return None, None
    limit_mb = MAX_UPLOAD_BYTES // 2**20
    file = st.file_uploader(f"Sentence pairs: one `source<TAB>target` per line, UTF-8, at least {runs.MIN_PAIRS} "
                            f"pairs, at most {limit_mb} MB",
                            type=["tsv", "txt"], key=k + "upload", max_upload_size=limit_mb)
    upload_permits.uploader_shown()  # the server takes this session's upload only while the box is shown
    # The browser refuses a larger file before the server sees it, and says why only in a tooltip.
    st.caption(f"A larger file is refused as soon as it is chosen (the upload box then shows a red mark): "
               f"split it, or train from a terminal with `--set train.data=tsv:FILE`, "
               f"which has no {limit_mb} MB limit.")
    if file is None:
        st.info("Upload a file to train on it; it is copied into the run's folder.")
        return None, None
    data = file.getvalue()
    with user_errors() as failed:
        pairs = checked_upload(data, file.name)
    if failed:
        return None, None
    st.caption(f"{len(pairs):,} sentence pairs; the first ones:")
    st.dataframe(pairs.head(5), hide_index=True)
    settings = {"data": f"tsv:{file.name}", "probes": _probe(train, f"tsv:{file.name}", k)}
    return {**settings, **_tokenizer(train, k)}, data


# ----- model and training -----
def _model_section(model: dict[str, Any], k: str) -> dict[str, Any]:
    st.subheader("Architecture")
    glossary.terms(("attention", "bahdanau", "input_feeding", "tied"))
    left, middle, right = st.columns(3)
    cells, attentions = list(CELLS), list(ATTENTIONS)
    chosen = {
        "cell": left.radio("Recurrent cell", cells, index=_index(cells, model.get("cell", "gru")), horizontal=True,
                           key=k + "cell"),
        "attention": middle.radio("Attention", attentions, index=_index(attentions, model.get("attention")),
                                  horizontal=True, key=k + "attention", help=glossary.HELP["attention"]),
        "bidirectional": right.checkbox("Bidirectional encoder", model.get("bidirectional", True), key=k + "bidir"),
        "tie_embeddings": right.checkbox("Tie output layer to target embeddings", model.get("tie_embeddings", False),
                                         key=k + "tie", help=glossary.HELP["tie"]),
        "emb_dim": left.select_slider("Embedding size", SIZES, model.get("emb_dim", 256), key=k + "emb"),
        "enc_hidden": middle.select_slider("Encoder size (per direction)", SIZES, model.get("enc_hidden", 256),
                                           key=k + "enc"),
        "dec_hidden": right.select_slider("Decoder size", SIZES, model.get("dec_hidden", 512), key=k + "dec"),
        "output_dim": left.select_slider("Output size (0 = decoder size)", (0, *SIZES), model.get("output_dim", 0),
                                         key=k + "out"),
        "enc_layers": middle.number_input("Encoder layers", *bounds(MODEL_RANGES, "enc_layers", 4),
                                          model.get("enc_layers", 1), key=k + "enc_layers"),
        "dec_layers": right.number_input("Decoder layers", *bounds(MODEL_RANGES, "dec_layers", 4),
                                         model.get("dec_layers", 1), key=k + "dec_layers"),
        "dropout": left.slider("Dropout", *bounds(MODEL_RANGES, "dropout", 0.5), float(model.get("dropout", 0.2)), 0.05,
                               key=k + "dropout"),
    }
    if chosen["cell"] == "rnn":  # the design's "tanh or ReLU"; the gated cells fix their own squashing
        squashes = list(NONLINEARITIES)
        chosen["nonlinearity"] = middle.radio("Plain RNN nonlinearity", squashes, horizontal=True, key=k + "squash",
                                              index=_index(squashes, model.get("nonlinearity", "tanh")),
                                              help="s_t = tanh(a_t) or ReLU(a_t), a_t = W_eh x_t + W_hh s_{t-1} "
                                                   "+ b_h. ReLU does not saturate but can blow up; gradient clipping "
                                                   "holds it.")
    return chosen


def _train_section(train: dict[str, Any], k: str) -> dict[str, Any]:
    st.subheader("Training")
    glossary.terms(("label_smoothing", "teacher_forcing", "perplexity", "bleu"))
    left, middle, right = st.columns(3)
    budget = middle.number_input("Time budget (minutes, 0 = none)", 0.0, 600.0,
                                 float(train.get("time_budget_s", 0)) / 60, 1.0, key=k + "budget")
    return {
        "batch_tokens": left.number_input("Batch size (target tokens)", *bounds(TRAIN_RANGES, "batch_tokens", 20000),
                                          train.get("batch_tokens", 3000), 100, key=k + "batch"),
        "lr": left.select_slider("Learning rate", RATES, _nearest(RATES, train.get("lr", 1e-3)), key=k + "lr"),
        "epochs": left.number_input("Epochs", *bounds(TRAIN_RANGES, "epochs", 1000), train.get("epochs", 10),
                                    key=k + "epochs"),
        "time_budget_s": round(budget * 60, 1),
        "max_steps": middle.number_input("Max steps (0 = none)", *bounds(TRAIN_RANGES, "max_steps", 10**6),
                                         train.get("max_steps", 0), 100, key=k + "steps"),
        "valid_every": middle.number_input("Validate every (steps)", *bounds(TRAIN_RANGES, "valid_every", 10**5),
                                           train.get("valid_every", 500), 10, key=k + "valid"),
        "teacher_forcing": right.slider("Teacher forcing", *bounds(TRAIN_RANGES, "teacher_forcing"),
                                        float(train.get("teacher_forcing", 1.0)), 0.05,
                                        key=k + "tf", help=glossary.HELP["teacher_forcing"]),
        "label_smoothing": right.slider("Label smoothing", *bounds(TRAIN_RANGES, "label_smoothing", 0.3),
                                        float(train.get("label_smoothing", 0.1)), 0.05,
                                        key=k + "ls", help=glossary.HELP["label_smoothing"]),
        "seed": right.number_input("Seed", *bounds(TRAIN_RANGES, "seed", 10**6), train.get("seed", 1234),
                                   key=k + "seed"),
    }


def _nearest(options: tuple, value: float):
    return min(options, key=lambda option: abs(option - value))


def _run_section(preset: str, k: str) -> tuple[str, int]:
    st.subheader("Run")
    left, right = st.columns(2)
    name = left.text_input("Run name", preset, key=k + "name", max_chars=60,
                           help="Becomes the run's folder name: lowercase letters, digits and dashes.")
    threads = right.number_input("CPU threads", 1, MAX_THREADS, 1, key=k + "threads",
                                 help=f"At most {MAX_THREADS} here, so the app stays responsive while it trains.")
    return name, int(threads)
