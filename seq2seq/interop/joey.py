"""`seq2seq import-joey`: a Joey NMT 2.3 RNN model folder -> one of our checkpoint folders.

The folder Joey trains into holds what is read: config.yaml (the config it was trained with), src_vocab.txt
and trg_vocab.txt, the sentencepiece models it copied there, and the checkpoints (best.ckpt by default).
Joey NMT need not be installed.
"""
from __future__ import annotations

from pathlib import Path

from seq2seq.checkpoint import Bundle, build_model, load_checkpoint, save_checkpoint
from seq2seq.config import TokenizerConfig, TrainConfig
from seq2seq.data import joey_data
from seq2seq.errors import UserError
from seq2seq.interop import joey_config, joey_vocab, joey_weights
from seq2seq.nn.model import Seq2Seq

CHECKPOINTS = ("best.ckpt", "latest.ckpt")


def import_joey(model_dir: Path | str, out: Path | str, checkpoint: Path | str | None = None) -> Bundle:
    """Write the Joey model in `model_dir` (weights from `checkpoint`, else best.ckpt, else latest.ckpt) as
    our checkpoint in `out`, and return it loaded back from there."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise UserError(f"{model_dir}: not a folder — give the model_dir Joey NMT trained into")
    config = joey_config.read_config(model_dir / "config.yaml")
    src, tgt = (joey_vocab.side_vocab(config, side, model_dir) for side in ("src", "trg"))
    model_config = joey_config.model_config(config, src.tokenizer.vocab_size, tgt.tokenizer.vocab_size)
    path = Path(checkpoint) if checkpoint else _default_checkpoint(model_dir)
    decoder = joey_config.section(config, "model", "decoder")
    encoder = joey_config.section(config, "model", "encoder")
    state = joey_weights.our_state(joey_weights.read_state(path), model_config, src.joey_ids, tgt.joey_ids,
                                   (joey_config.scaled(encoder), joey_config.scaled(decoder)),
                                   joey_config.init_hidden_is_zero(config))
    model = build_model(model_config)
    _load(model, state, path)
    train = _train_config(config, src.tokenizer.kind, model_dir)
    metrics = {"imported_from": {"toolkit": "Joey NMT 2.3", "model_dir": str(model_dir.resolve()),
                                 "checkpoint": path.name}}
    save_checkpoint(Path(out), Bundle(model.eval(), src.tokenizer, tgt.tokenizer, train, metrics))
    return load_checkpoint(out)


def _default_checkpoint(model_dir: Path) -> Path:
    for name in CHECKPOINTS:
        if (model_dir / name).is_file():
            return model_dir / name
    raise UserError(f"{model_dir} holds neither best.ckpt nor latest.ckpt; name the checkpoint with --ckpt")


def _load(model: Seq2Seq, state: dict, path: Path) -> None:
    expected = model.state_dict()
    if model.config.tie_embeddings:
        expected.pop("decoder.output.weight")
    wrong = [f"{name} {tuple(state[name].shape)} vs {tuple(value.shape)}" for name, value in expected.items()
             if name in state and state[name].shape != value.shape]
    missing = sorted(set(expected) - set(state))
    if wrong or missing:
        raise UserError(f"{path}: weights do not fit the model its config describes "
                        f"({'; '.join(wrong[:2]) or 'missing ' + ', '.join(missing[:2])})")
    model.load_state_dict(state, strict=not model.config.tie_embeddings)


def _train_config(config: dict, tokenizer_kind: str, model_dir: Path) -> TrainConfig:
    """What the checkpoint says about its training: Joey's languages, and as `data` the files Joey's config
    names (for the views of a model's own training and test sentences, wherever they are found)."""
    languages = [str(joey_config.section(config, "data", side).get("lang", side)) for side in ("src", "trg")]
    data = _data_setting(config, model_dir, languages)
    return TrainConfig(data=data, src_lang=languages[0], tgt_lang=languages[1],
                       tokenizer=TokenizerConfig(kind=tokenizer_kind)).validate()


def _data_setting(config: dict, model_dir: Path, languages: list[str]) -> str:
    """Joey's train/dev/test as absolute paths. Joey reads a relative path from the folder it was started in,
    which is unknown here: the folder this import runs in is tried first (the usual case), then the folder
    above model_dir, and the first that holds the files is kept."""
    data = joey_config.section(config, "data")
    kind = str(data.get("dataset_type", "plain"))
    stems = {part: _where(str(data[part]), model_dir, kind == "tsv", languages)
             for part in joey_data.PARTS if isinstance(data.get(part), str) and data[part]}
    return joey_data.data_setting(str(config.get("name", "model")), kind, stems)


def _where(stem: str, model_dir: Path, tsv: bool, languages: list[str]) -> Path:
    given = Path(stem).expanduser()
    candidates = [given] if given.is_absolute() else [Path.cwd() / given, model_dir.resolve().parent / given]
    for candidate in candidates:
        if all(f.is_file() for f in joey_data.part_files(candidate, tsv, *languages)):
            return candidate.resolve()
    return candidates[0].resolve()
