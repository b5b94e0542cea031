"""The engine never imports streamlit: checked in a fresh interpreter, where nothing else loaded it."""
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import seq2seq

REPO = Path(__file__).resolve().parent.parent
SUBMODULES = sorted(f"seq2seq.{m.name}" for m in pkgutil.iter_modules(seq2seq.__path__) if m.name != "__main__")

PROBE = """
import importlib, json, sys
failed = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = repr(exc)
print(json.dumps({"failed": failed, "ui": sorted(m for m in sys.modules if m.split(".")[0] in ("streamlit", "altair"))}))
"""


def test_the_package_has_the_expected_submodules():
    assert {"seq2seq.translator", "seq2seq.search", "seq2seq.train", "seq2seq.cli", "seq2seq.service"} <= set(
        SUBMODULES)


def test_importing_the_engine_never_imports_streamlit():
    import json

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", PROBE, "seq2seq", *SUBMODULES], capture_output=True, text=True,
                            cwd=REPO, env=env, timeout=900)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["failed"] == {}
    assert report["ui"] == [], f"seq2seq pulled in UI libraries: {report['ui'][:5]}"


def test_no_engine_source_mentions_streamlit():
    """Also catches a lazy `import streamlit` inside a function, which the import test cannot see."""
    offenders = [p.name for p in Path(seq2seq.__file__).parent.glob("*.py") if "import streamlit" in p.read_text()
                 or "from streamlit" in p.read_text()]
    assert offenders == []
