"""The package (pyproject.toml): the same pins as requirements.txt, one version string, a `seq2seq` command that
names shipped models from any folder; and (slow) the wheel itself: built, installed into a fresh virtual
environment, then run from another folder: --version, translate, trace --html, and `seq2seq app` serving the
installed app with its pages."""
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

import seq2seq
from seq2seq.catalog import CHECKPOINTS, checkpoint_path

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def pins(lines: list[str]) -> list[str]:
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_the_package_pins_what_requirements_txt_pins():
    required = pins((REPO / "requirements.txt").read_text(encoding="utf-8").splitlines())
    packaged = PYPROJECT["project"]["dependencies"]
    assert sorted(set(required) - set(packaged)) == [], "add these to pyproject.toml's dependencies"
    assert sorted(set(packaged) - set(required)) == [], "pyproject.toml pins what requirements.txt does not"
    assert "torch==2.13.0" in required


def test_one_version_string():
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "seq2seq/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+", seq2seq.__version__)
    result = subprocess.run([sys.executable, "-m", "seq2seq", "--version"], capture_output=True, text=True, cwd=REPO,
                            timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == f"seq2seq {seq2seq.__version__}"


def test_a_shipped_model_is_found_by_name_and_a_path_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert checkpoint_path("dates") == CHECKPOINTS / "dates"
    assert checkpoint_path("checkpoints/dates") == CHECKPOINTS / "dates"
    assert checkpoint_path("no-such-model") == Path("no-such-model")
    (tmp_path / "dates").mkdir()  # a folder of that name here is what the user means
    assert checkpoint_path("dates") == Path("dates")


def test_options_of_another_command_are_refused_and_app_passes_its_options_on():
    from seq2seq.cli.main import build_parser

    args, extra = build_parser().parse_known_args(["app", "--server.port", "8599"])
    assert args.command == "app" and extra == ["--server.port", "8599"]
    result = subprocess.run([sys.executable, "-m", "seq2seq", "translate", "--checkpoint", "dates", "--port", "1"],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2 and "unrecognized arguments: --port 1" in result.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from this tree, installed without its dependencies into a fresh virtual environment that
    sees this machine's packages (torch and the rest are already here)."""
    pytest.importorskip("hatchling", reason="hatchling (requirements-test.txt) builds the wheel")
    root = tmp_path_factory.mktemp("package")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(root / "venv")], check=True,
                   timeout=300)
    python = root / "venv" / "bin" / "python"
    build = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-q", str(REPO)],
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stderr
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    return root / "venv" / "bin" / "seq2seq", elsewhere


def run(command: list, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}  # only the installed package
    return subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=cwd, timeout=600, env=env)


@pytest.mark.slow
def test_the_installed_command_works_from_another_folder(installed):
    seq2seq_command, elsewhere = installed
    assert run([seq2seq_command, "--version"], elsewhere).stdout.strip() == f"seq2seq {seq2seq.__version__}"
    translated = run([seq2seq_command, "translate", "--checkpoint", "dates"], elsewhere, "March 5, 1987\n")
    assert translated.returncode == 0 and translated.stdout == "1987-03-05\n", translated.stderr
    traced = run([seq2seq_command, "trace", "--checkpoint", "tatoeba-en-fr", "--beam", "5", "--html", "page.html",
                  "I am very happy to see you."], elsewhere)
    assert traced.returncode == 0, traced.stderr
    assert 500_000 < (elsewhere / "page.html").stat().st_size < 2_000_000
    where = run([seq2seq_command.parent / "python", "-c", "import seq2seq.catalog as c; print(c.CHECKPOINTS)"],
                elsewhere)
    assert "site-packages" in where.stdout and str(REPO) not in where.stdout


@pytest.mark.slow
@pytest.mark.browser
def test_seq2seq_app_serves_the_installed_app_from_another_folder(installed):
    """The home page, drawn in chromium by the installed app: a translation, every page in the menu, no error."""
    from tests.conftest import playwright_or_skip, settle

    sync_api = playwright_or_skip()
    from benchmarks import app_server

    seq2seq_command, elsewhere = installed
    port = 8700 + os.getpid() % 200
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    server = subprocess.Popen([seq2seq_command, "app", "--server.port", str(port), "--server.headless", "true"],
                              cwd=elsewhere, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        wait_for_health(server, port)
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(app_server.CHROMIUM),
                                                 args=app_server.CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(180_000)
            page.goto(f"http://localhost:{port}/")
            settle(page)
            menu = page.get_by_test_id("stSidebarNav").inner_text()
            text = page.get_by_test_id("stApp").inner_text()
            exceptions = page.locator("[data-testid='stException']").count()
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    assert exceptions == 0
    assert all(name in menu for name in ("Translate", "Step by step", "Inside the model", "Glossary"))
    assert "tatoeba-en-fr" in text  # the model picker lists the shipped models
    assert "Traceback" not in server.stdout.read().decode()


def wait_for_health(server: subprocess.Popen, port: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=5) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            assert server.poll() is None, server.stdout.read().decode()
            time.sleep(1)
    pytest.fail(f"the app did not answer within {timeout:.0f} s")
