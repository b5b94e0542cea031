"""The data of a model imported from Joey NMT, as its `data` setting records it.

`import-joey` writes the train, dev and test files that Joey's config.yaml names into the setting, each as
Joey names it (a path without its language suffix): "joey:TRAIN|DEV|TEST" for Joey's plain-text files
(TRAIN.en and TRAIN.fr), "joey:tsv:TRAIN|DEV|TEST" for its TSV files (TRAIN.tsv, one column per language).
DEV or TEST may be empty. A Joey config that names no such files (a Hugging Face dataset) is recorded as
"joey:NAME", with no files. The views that reload a model's own data read the files back from there; when
they are not on this computer, TrainingDataMissing names them, and each view says what still works.
"""
from __future__ import annotations

from pathlib import Path

from seq2seq.config import TrainConfig
from seq2seq.data.pairs import Pair, Split, read_line_pairs, split_given
from seq2seq.errors import TrainingDataMissing, UserError

PREFIX = "joey:"
TSV = "tsv:"
SEPARATOR = "|"
PARTS = ("train", "dev", "test")
# Joey's dataset types that are files on disk; "huggingface" and "stream" are not.
FILE_TYPES = ("plain", "tsv")
# Missing files named in a message (one part's two files); the rest are counted.
NAMED = 2


def data_setting(name: str, dataset_type: str, stems: dict[str, Path | None]) -> str:
    """The `data` setting recording these files (stems: part -> path without suffix, absolute), or
    "joey:NAME" when Joey's data is not files."""
    if dataset_type not in FILE_TYPES or stems.get("train") is None:
        return PREFIX + name.replace(SEPARATOR, "_")
    paths = [str(stems.get(part) or "") for part in PARTS]
    if any(SEPARATOR in path for path in paths):  # cannot be recorded unambiguously: said like no files
        return PREFIX + name.replace(SEPARATOR, "_")
    return PREFIX + (TSV if dataset_type == "tsv" else "") + SEPARATOR.join(paths)


def _recorded(data: str) -> tuple[bool, list[Path | None]] | None:
    """(TSV?, the stems of train, dev, test) of a joey: setting; None when it records no files."""
    body = data[len(PREFIX):]
    tsv = body.startswith(TSV)
    stems = (body[len(TSV):] if tsv else body).split(SEPARATOR)
    if len(stems) != len(PARTS) or not stems[0]:
        return None
    return tsv, [Path(stem) if stem else None for stem in stems]


def label(data: str) -> str:
    """The setting as a page shows it: "joey:/data/iwslt14/{train,valid,test}" for parts in one folder, each
    path in full otherwise (the setting itself runs to three absolute paths)."""
    recorded = _recorded(data)
    if recorded is None:
        return data
    tsv, stems = recorded
    named = [stem for stem in stems if stem is not None]
    kind = PREFIX + (TSV if tsv else "")
    if len(named) > 1 and len({stem.parent for stem in named}) == 1:
        return f"{kind}{named[0].parent}/{{{','.join(stem.name for stem in named)}}}"
    return kind + ", ".join(str(stem) for stem in named)


def part_files(stem: Path, tsv: bool, src_lang: str, tgt_lang: str) -> list[Path]:
    """The files Joey reads for one part: STEM.tsv, or STEM.<src> and STEM.<tgt> (the suffix appended, as
    Joey appends it: train.bpe -> train.bpe.en)."""
    return [Path(f"{stem}.tsv")] if tsv else [Path(f"{stem}.{src_lang}"), Path(f"{stem}.{tgt_lang}")]


def files(config: TrainConfig) -> list[Path]:
    """Every file the setting names, whether or not it is on this computer."""
    recorded = _recorded(config.data)
    if recorded is None:
        return []
    tsv, stems = recorded
    return [f for stem in stems if stem is not None for f in part_files(stem, tsv, config.src_lang, config.tgt_lang)]


def missing(config: TrainConfig) -> str | None:
    """Why the model's data cannot be read here (one line), or None when every file it names is here."""
    if _recorded(config.data) is None:
        return (f"Joey NMT's data for this model ({config.data}) was not recorded as files when it was imported "
                "(its config.yaml names no plain-text or TSV files, or the import predates that record); run "
                "seq2seq import-joey again where those files are")
    absent = [str(path) for path in files(config) if not path.is_file()]
    if not absent:
        return None
    named = ", ".join(absent[:NAMED]) + (f" and {len(absent) - NAMED} more files" if len(absent) > NAMED else "")
    return f"Joey NMT trained this model on data that is not on this computer: {named} missing"


def load_joey_split(config: TrainConfig) -> Split:
    """Train, dev (as valid) and test pairs from the recorded files (a part not named is empty)."""
    reason = missing(config)
    if reason:
        raise TrainingDataMissing(reason)
    tsv, stems = _recorded(config.data)  # type: ignore[misc]  # missing() checked it records files
    parts = [[] if stem is None else _read(part_files(stem, tsv, config.src_lang, config.tgt_lang),
                                           config.src_lang, config.tgt_lang) for stem in stems]
    return split_given(*parts)


def _read(paths: list[Path], src_lang: str, tgt_lang: str) -> list[Pair]:
    if len(paths) == 2:
        return read_line_pairs(*paths)
    return _read_tsv(paths[0], src_lang, tgt_lang)


def _read_tsv(path: Path, src_lang: str, tgt_lang: str) -> list[Pair]:
    """Joey's TSV: a header row naming the languages, one pair per row (read as Joey reads it, rows with
    an empty cell dropped)."""
    import pandas as pd  # only TSV data needs it

    try:
        frame = pd.read_csv(path, sep="\t", header=0, encoding="utf-8", index_col=None).dropna()
    except (ValueError, OSError) as exc:  # pandas' parser and decoding errors are ValueErrors
        raise UserError(f"{path}: not a readable TSV file ({str(exc).splitlines()[0]})") from None
    absent = [lang for lang in (src_lang, tgt_lang) if lang not in frame.columns]
    if absent:
        raise UserError(f"{path}: no column named {', '.join(absent)} (Joey's TSV files name one column per language)")
    return [Pair(str(s).strip(), str(t).strip()) for s, t in zip(frame[src_lang], frame[tgt_lang])
            if str(s).strip() and str(t).strip()]
