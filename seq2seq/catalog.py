"""The model catalogue: which checkpoints exist (shipped and user runs), where, and what they score."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from seq2seq.checkpoint import WEIGHTS
from seq2seq.data import joey_data
from seq2seq.errors import UserError
from seq2seq.files import read_json

REPO_ROOT = Path(__file__).resolve().parent.parent
# A clone keeps the shipped models in checkpoints/ beside the code; an installed wheel carries them inside the
# package (pyproject.toml maps checkpoints/ to seq2seq/checkpoints/), so every folder finds the same models.
INSTALLED = (Path(__file__).resolve().parent / "checkpoints").is_dir()
CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints" if INSTALLED else REPO_ROOT / "checkpoints"
RUNS = CHECKPOINTS / "runs"
# Tests and demos point this elsewhere so their runs never mix with the user's.
RUNS_ENV = "SEQ2SEQ_RUNS_DIR"
DEFAULT_MODEL = "tatoeba-en-fr"


@dataclass(frozen=True)
class ModelInfo:
    name: str  # "tatoeba-en-fr" for shipped models, "runs/<id>" for user runs
    path: Path
    task: str  # "translation" or "toy"
    data: str  # the `data` setting, as pages show it (a Joey model's three paths shortened)
    direction: str  # "en→fr" or the toy task's name
    score: str  # e.g. "BLEU 41.2 (test, greedy)"
    shipped: bool
    version: float  # weights file mtime: a retrained checkpoint gets a new cache key

    @property
    def label(self) -> str:
        return f"{self.name} · {self.direction} · {self.score}"


def one_decimal(value: float) -> str:
    """Rounded half up from the recorded decimal, as the READMEs round: 30.65 -> "30.7" (f"{:.1f}" gives
    "30.6", since the float nearest 30.65 lies just below it)."""
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _score_label(metrics: dict[str, Any]) -> str:
    test = metrics.get("test", {}).get("greedy", {})
    if "bleu" in test:
        return f"BLEU {one_decimal(test['bleu'])} (test, greedy)"
    if "exact_match" in test:
        return f"exact {test['exact_match']:.1%} (test, greedy)"
    if metrics.get("best_valid") is not None:
        return f"valid {metrics.get('valid_metric', 'score')} {metrics['best_valid']:.3g}"
    return "not scored yet"


def model_info(path: Path, name: str, shipped: bool) -> ModelInfo | None:
    """Describe a checkpoint directory, or None when it has no loadable weights yet."""
    weights = path / WEIGHTS
    if not (path / "config.json").is_file() or not weights.is_file():
        return None
    return _described(path, name, shipped, _file_versions(path))


def _file_versions(path: Path) -> tuple[tuple[float, int], ...]:
    """(mtime, size) of the files a description reads: any rewrite of one changes it."""
    versions = []
    for file in (path / "config.json", path / "metrics.json", path / WEIGHTS):
        try:
            stat = file.stat()
            versions.append((stat.st_mtime, stat.st_size))
        except OSError:
            versions.append((0.0, -1))
    return tuple(versions)


# Every page lists the models on every rerun: reading and parsing each checkpoint's JSON files again was
# most of that. A description is kept while its files are unchanged (a finished run's metrics.json is new).
@functools.lru_cache(maxsize=512)
def _described(path: Path, name: str, shipped: bool, versions: tuple) -> ModelInfo | None:
    try:  # a FIFO named config.json would hang every page; read_json reads regular files only
        config = read_json(path / "config.json")
        metrics = read_json(path / "metrics.json") if (path / "metrics.json").exists() else {}
    except UserError:
        return None
    train = config.get("train", {}) if isinstance(config, dict) else {}
    data = str(train.get("data", "?"))
    data = joey_data.label(data) if data.startswith(joey_data.PREFIX) else data  # three paths, shown shorter
    toy = data.startswith("toy:")
    direction = data[4:] if toy else f"{train.get('src_lang', '?')}→{train.get('tgt_lang', '?')}"
    return ModelInfo(name, path, "toy" if toy else "translation", data, direction, _score_label(metrics), shipped,
                     versions[2][0])


def runs_root(root: Path = CHECKPOINTS) -> Path:
    """Where user runs live: <root>/runs, or $SEQ2SEQ_RUNS_DIR for the default root. An installed package
    never writes inside itself: its runs go to ./checkpoints/runs of the folder the command started in,
    where `seq2seq train` writes them too."""
    override = os.environ.get(RUNS_ENV)
    if override and root == CHECKPOINTS:
        return Path(override)
    return Path.cwd() / "checkpoints" / "runs" if INSTALLED and root == CHECKPOINTS else root / "runs"


def checkpoint_path(given: str | Path) -> Path:
    """A checkpoint folder as a command names it: a path, or a shipped model's name (`--checkpoint dates`, or
    `checkpoints/dates` as the README writes it) from any folder."""
    path = Path(given)
    if path.exists():
        return path
    name = path.parts[1:] if len(path.parts) == 2 and path.parts[0] == "checkpoints" else path.parts
    shipped = CHECKPOINTS.joinpath(*name) if len(name) == 1 else None
    return shipped if shipped is not None and (shipped / "config.json").is_file() else path


def _subfolders(folder: Path) -> list[Path]:
    """Folders inside `folder`, skipping symlinks that lead out of it: only what lies there is ever opened."""
    if not folder.is_dir():
        return []
    base = folder.resolve()
    return [p for p in sorted(folder.iterdir()) if p.is_dir() and p.resolve().is_relative_to(base)]


def list_models(root: Path = CHECKPOINTS) -> list[ModelInfo]:
    """Shipped checkpoints (checkpoints/<name>) first, the default model at the top, then user runs."""
    shipped = [model_info(p, p.name, True) for p in _subfolders(root) if p.name != "runs"]
    runs = [model_info(p, f"runs/{p.name}", False) for p in _subfolders(runs_root(root))]
    models = [m for m in shipped + runs if m is not None]
    return sorted(models, key=lambda m: (not m.shipped, m.name != DEFAULT_MODEL))


def find_model(name: str, root: Path = CHECKPOINTS) -> ModelInfo:
    """Resolve a name from the URL or a form; only listed checkpoints are ever opened."""
    for info in list_models(root):
        if info.name == name:
            return info
    raise UserError(f"no model named {name!r}; pick one from the list")

