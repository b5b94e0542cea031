"""Dependencies flow one way: engine floors upwards only, the engine never imports streamlit, pages
import only studio/ (app.py also streamlit). Every subpackage is covered; tests/test_studio_imports.py
checks studio/ itself."""
import ast
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import seq2seq

REPO = Path(__file__).resolve().parent.parent
ENGINE = Path(seq2seq.__file__).parent
SUBMODULES = sorted(m.name for m in pkgutil.walk_packages(seq2seq.__path__, "seq2seq.")
                    if not m.name.endswith("__main__"))
# The engine's floors, lowest first: a module may import its own floor and the floors below it.
# The network sits below the data: it needs the special ids (seq2seq.symbols), never the tokenizers.
FLOORS = (("seq2seq.errors", "seq2seq.symbols", "seq2seq.files"), ("seq2seq.config",), ("seq2seq.nn",),
          ("seq2seq.data",), ("seq2seq.checkpoint",), ("seq2seq.catalog",), ("seq2seq.decoding",),
          ("seq2seq.evaluate",), ("seq2seq.interop",),
          ("seq2seq.training",), ("seq2seq.jobs",), ("seq2seq.analysis",), ("seq2seq.service",),
          ("seq2seq.cli", "seq2seq.__main__"))

PROBE = """
import importlib, json, sys
failed = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = repr(exc)
ui = sorted(m for m in sys.modules if m.split(".")[0] in ("streamlit", "altair"))
print(json.dumps({"failed": failed, "ui": ui}))
"""


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth of the file (lazy imports inside functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def floor_of(name: str) -> int | None:
    for level, prefixes in enumerate(FLOORS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return level
    return None


def test_every_subpackage_is_a_floor():
    packages = {m.name for m in pkgutil.iter_modules(seq2seq.__path__, "seq2seq.")}
    assert {"seq2seq.data", "seq2seq.nn", "seq2seq.decoding", "seq2seq.training", "seq2seq.jobs", "seq2seq.analysis",
            "seq2seq.cli"} <= packages
    assert [name for name in packages if floor_of(name) is None] == []


def test_engine_modules_import_only_their_own_floor_or_lower():
    wrong = []
    for path in sorted(ENGINE.rglob("*.py")):
        here = module_name(path)
        # The package's own __init__ re-exports the public API from several floors: it sits on top.
        level = len(FLOORS) if here == "seq2seq" else floor_of(here)
        for line, name in imported_modules(path):
            there = floor_of(name)
            if name.startswith("seq2seq.") and there is not None and there > level:
                wrong.append(f"{here}:{line} imports {name}")
    assert wrong == []


def test_the_package_has_the_expected_submodules():
    assert {"seq2seq.decoding.translator", "seq2seq.training.trainer",
            "seq2seq.cli.main", "seq2seq.service", "seq2seq.nn.decoder", "seq2seq.data.batches"} <= set(SUBMODULES)


def test_importing_the_engine_never_imports_streamlit():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", PROBE, "seq2seq", *SUBMODULES], capture_output=True, text=True,
                            cwd=REPO, env=env, timeout=900)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["failed"] == {}
    assert report["ui"] == [], f"seq2seq pulled in UI libraries: {report['ui'][:5]}"


def test_no_engine_source_mentions_streamlit():
    """Also catches a lazy `import streamlit` inside a function, which the import test cannot see."""
    offenders = [str(path.relative_to(REPO)) for path in ENGINE.rglob("*.py")
                 if any(name.split(".")[0] in ("streamlit", "altair") for _, name in imported_modules(path))]
    assert offenders == []


def test_pages_import_only_studio():
    """Pages render what studio/ returns: no engine, torch or numpy in a page; app.py also starts streamlit."""
    wrong = []
    for path in sorted([REPO / "app.py", *(REPO / "pages").glob("*.py")]):
        roots = {"studio", "streamlit"} if path.name == "app.py" else {"studio"}
        wrong += [f"{path.name}:{line} {name}" for line, name in imported_modules(path)
                  if name.split(".")[0] not in roots]
    assert wrong == []


def test_the_service_names_each_export_and_misses_none():
    """The service's face names what it hands on (no `import *`), and hands on every name that one of its
    modules lists in __all__: a name added to a module's __all__ but not to seq2seq/service/__init__.py
    fails here, naming the file to add it to."""
    from seq2seq import service

    face = REPO / "seq2seq" / "service" / "__init__.py"
    stars = [node.lineno for node in ast.walk(ast.parse(face.read_text(encoding="utf-8")))
             if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names)]
    assert stars == [], f"seq2seq/service/__init__.py:{stars} imports *: name each export"
    missing = []
    for info in pkgutil.iter_modules(service.__path__, "seq2seq.service."):
        module = importlib.import_module(info.name)
        missing += [f"{name} (from {info.name})" for name in getattr(module, "__all__", ())
                    if info.name.rsplit(".", 1)[1] not in ("runs", "experiments") and getattr(service, name, None)
                    is not getattr(module, name)]
    assert missing == [], f"add to seq2seq/service/__init__.py: {missing}"
