"""studio/ reaches the engine only through the service layer (plus plain data types), so the app has
one door into seq2seq and pages stay thin scripts that hand over to studio/views."""
import ast
from pathlib import Path

from tests.test_imports import imported_modules

REPO = Path(__file__).resolve().parent.parent
# Frozen dataclasses and exceptions: data the service returns or takes, not engine machinery.
PLAIN_DATA = ("seq2seq.service", "seq2seq.errors", "seq2seq.config", "seq2seq.decoding.trace")


def allowed(name: str) -> bool:
    return name == "seq2seq" or any(name == p or name.startswith(p + ".") for p in PLAIN_DATA)


def test_studio_imports_the_engine_only_through_the_service():
    wrong = [f"{path.relative_to(REPO)}:{line} {name}" for path in sorted((REPO / "studio").rglob("*.py"))
             for line, name in imported_modules(path)
             if (name.split(".")[0] == "seq2seq" and not allowed(name)) or name.split(".")[0] == "torch"]
    assert wrong == []


def test_studio_imports_from_seq2seq_only_the_service_package():
    """`from seq2seq import X` may only bring in the service (or errors/config) module itself."""
    wrong = []
    for path in sorted((REPO / "studio").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "seq2seq":
                wrong += [f"{path.name}: {a.name}" for a in node.names if a.name not in ("service", "errors", "config")]
    assert wrong == []


def test_pages_are_thin_scripts_that_call_one_view():
    for path in [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        statements = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        assert len(statements) <= 4, f"{path.name} holds view logic; move it to studio/views"
