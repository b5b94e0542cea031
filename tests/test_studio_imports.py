"""studio/ reaches the engine only through the service layer (plus plain data types), so the app has
one door into seq2seq; each page's package uses only itself and studio.shared, and shared uses no page;
pages stay thin scripts that hand over to their package in studio/."""
import ast
from pathlib import Path

from tests.test_imports import imported_modules

REPO = Path(__file__).resolve().parent.parent
STUDIO = REPO / "studio"
# Frozen dataclasses and exceptions: data the service returns or takes, not engine machinery.
PLAIN_DATA = ("seq2seq.service", "seq2seq.errors", "seq2seq.config")
PAGE_PACKAGES = sorted(p.name for p in STUDIO.iterdir() if (p / "__init__.py").is_file() and p.name != "shared")


def allowed(name: str) -> bool:
    return name == "seq2seq" or any(name == p or name.startswith(p + ".") for p in PLAIN_DATA)


def studio_files() -> list[Path]:
    return sorted(STUDIO.rglob("*.py"))


def test_studio_imports_the_engine_only_through_the_service():
    wrong = [f"{path.relative_to(REPO)}:{line} {name}" for path in studio_files()
             for line, name in imported_modules(path)
             if (name.split(".")[0] == "seq2seq" and not allowed(name)) or name.split(".")[0] == "torch"]
    assert wrong == []


def test_studio_imports_from_seq2seq_only_the_service_package():
    """`from seq2seq import X` may only bring in the service (or errors/config) module itself."""
    wrong = []
    for path in studio_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "seq2seq":
                wrong += [f"{path.name}: {a.name}" for a in node.names if a.name not in ("service", "errors", "config")]
    assert wrong == []


def test_a_page_package_uses_only_itself_and_shared_and_shared_uses_no_page():
    assert {"home", "step", "translate"} <= set(PAGE_PACKAGES)  # derived: a new page needs no edit here
    wrong = []
    for path in studio_files():
        parts = path.relative_to(STUDIO).parts
        here = parts[0] if len(parts) > 1 else None  # None: studio/__init__.py
        for line, name in imported_modules(path):
            there = name.split(".")[1] if name.startswith("studio.") else None
            if there in PAGE_PACKAGES and there != here:
                wrong.append(f"{path.relative_to(REPO)}:{line} {name}")
    assert wrong == []


def test_pages_import_only_their_studio_package_and_call_its_show():
    for path in sorted((REPO / "pages").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        statements = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        assert len(statements) == 2, f"{path.name} holds view logic; move it to its package in studio/"
        imported, call = statements
        assert isinstance(imported, ast.ImportFrom) and imported.module == "studio", path.name
        (package,) = [alias.name for alias in imported.names]
        assert package in PAGE_PACKAGES, path.name
        assert ast.unparse(call) == f"{package}.show()", path.name


def test_app_is_a_thin_entry_point():
    tree = ast.parse((REPO / "app.py").read_text(encoding="utf-8"))
    statements = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    assert len(statements) <= 4, "app.py holds view logic; move it to studio/home"


def test_importing_studio_leaves_torchs_thread_count_alone():
    """Setting torch's threads is start-up work (studio/shared/warm_up.py), never a side effect of an import."""
    import os
    import subprocess
    import sys

    probe = ("import importlib, pkgutil, torch, studio\n"
             "torch.set_num_threads(3)\n"
             "for module in pkgutil.walk_packages(studio.__path__, 'studio.'):\n"
             "    if not module.name.endswith('__main__'):  # running the app is no import\n"
             "        importlib.import_module(module.name)\n"
             "print(torch.get_num_threads())\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=600,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-1] == "3"
