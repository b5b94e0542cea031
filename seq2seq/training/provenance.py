"""Where a checkpoint came from: command, code version, data checksums, library versions, hardware."""
from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from seq2seq.config import TrainConfig
from seq2seq.data import joey_data
from seq2seq.data.download import file_sha256
from seq2seq.data.pairs import Split

LIBRARIES = ("torch", "sentencepiece", "sacrebleu", "safetensors", "numpy")


def _git(*args: str) -> str | None:
    """Output of a git command run in the engine's folder (seq2seq/); None outside a git checkout."""
    try:
        result = subprocess.run(["git", *args], cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True,
                                timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def git_commit() -> str | None:
    output = _git("rev-parse", "HEAD")
    return output.strip() or None if output is not None else None


def code_modified() -> bool | None:
    """Whether the engine's files differ from that commit: if so, the commit alone does not rebuild the run."""
    output = _git("status", "--porcelain", "--", ".")
    return None if output is None else bool(output.strip())


def library_versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def hardware() -> str:
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    threads = torch.get_num_threads()
    return f"{platform.processor() or platform.machine()} CPU, {threads} thread{'' if threads == 1 else 's'}"


def provenance(command: list[str]) -> dict[str, Any]:
    return {"command": " ".join(command), "code_version": git_commit(), "code_modified": code_modified(),
            "libraries": library_versions(), "hardware": hardware(), "python": platform.python_version()}


# What a training stage records of itself in a checkpoint's lineage.
STAGE_FIELDS = ("data", "init_from", "steps", "epochs", "train_seconds", "cpu_seconds", "hardware", "precision",
                "guided_alignment", "command", "code_version")


def stage_of(metrics: dict[str, Any]) -> dict[str, Any]:
    return {name: metrics[name] for name in STAGE_FIELDS if name in metrics}


def lineage_of(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Every training stage a checkpoint's weights went through, oldest first, its own stage last."""
    return list(metrics.get("lineage") or ([stage_of(metrics)] if metrics else []))


def split_sha256(split: Split) -> str:
    """Digest of the pairs a run trains, validates and tests on, whatever file or generator they came from."""
    digest = hashlib.sha256()
    for part in (split.train, split.valid, split.test):
        for pair in part:
            digest.update(f"{pair.source}\t{pair.target}\n".encode("utf-8"))
        digest.update(b"\0")  # the same pairs cut into different parts must differ
    return digest.hexdigest()


def data_files(data: str, data_dir=None, languages: tuple[str, str] = ("en", "fr")) -> dict[str, str]:
    """sha256 of the files behind a `data` setting: the TSV, the files a Joey NMT model's setting names (one
    per language), or the corpus's files in its folder. Toy data is generated, so `split_sha256` is its only
    checksum."""
    if data.startswith("toy:"):
        return {}
    if data.startswith("tsv:"):
        paths = [Path(data[4:])]
    elif data.startswith(joey_data.PREFIX):
        paths = joey_data.files(TrainConfig(data=data, src_lang=languages[0], tgt_lang=languages[1]))
    else:
        paths = _corpus_files(data, data_dir)
    return {str(path): file_sha256(path) for path in paths}


def _corpus_files(name: str, data_dir) -> list[Path]:
    # The loader reads a subset of these (one language pair, one format); hashing the registered
    # names present in the corpus folder records them all without repeating its choices.
    from seq2seq.data.corpora import CORPORA, _marker_files, find_data_dir

    folder = find_data_dir(name, data_dir)
    if folder is None:
        return []
    names = sorted(set(CORPORA[name].urls) | set(_marker_files(name)))
    return [folder / n for n in names if (folder / n).is_file()]
