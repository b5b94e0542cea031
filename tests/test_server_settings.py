"""The server's safe defaults live in .streamlit/config.toml: read it as TOML, then as Streamlit reads it.

(The running server is checked in tests/test_load.py: it listens on 127.0.0.1 only and refuses an
upload without the XSRF token.)
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import streamlit.config

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".streamlit" / "config.toml"
README = ROOT / "README.md"
# A sentence file for the Train page is a few MB at most; Streamlit's default is 200 MB.
MAX_UPLOAD_MB = 50


@pytest.fixture(scope="module")
def config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


@pytest.fixture
def effective(monkeypatch):
    """Streamlit's own view of the options when started from the repository root."""
    monkeypatch.chdir(ROOT)
    streamlit.config.get_config_options(force_reparse=True)
    yield streamlit.config.get_option
    streamlit.config.get_config_options(force_reparse=True)


def test_xsrf_protection_is_on(config, effective):
    assert config["server"]["enableXsrfProtection"] is True
    assert effective("server.enableXsrfProtection") is True
    assert effective("server.enableCORS") is True  # XSRF does not cover the websocket; CORS must stay on


def test_uploads_are_capped(config, effective):
    assert 1 <= config["server"]["maxUploadSize"] <= MAX_UPLOAD_MB
    assert effective("server.maxUploadSize") == config["server"]["maxUploadSize"]


def test_tracebacks_never_reach_the_browser(config, effective):
    assert config["client"]["showErrorDetails"] == "none"
    assert effective("client.showErrorDetails") == "none"


def test_the_server_listens_on_this_machine_only_by_default(config, effective):
    assert config["server"]["address"] == "localhost"
    assert effective("server.address") == "localhost"


def test_no_usage_statistics_are_sent(config, effective):
    assert config["browser"]["gatherUsageStats"] is False
    assert effective("browser.gatherUsageStats") is False


def test_every_setting_is_one_streamlit_knows(config):
    """A misspelt key is silently ignored by Streamlit, and the protection it meant would be off."""
    known = set(streamlit.config.get_config_options())
    unknown = [f"{section}.{key}" for section, values in config.items() for key in values
               if f"{section}.{key}" not in known]
    assert unknown == []


def test_readme_says_how_to_expose_the_app_and_what_is_promised():
    text = README.read_text(encoding="utf-8")
    assert "## Security" in text
    section = text[text.index("## Security"):]
    assert "streamlit run app.py --server.address 0.0.0.0" in section
    for promise in ("XSRF", "showErrorDetails", "maxUploadSize", "pickle", "symlink", "tests/test_hostile_input.py",
                    "tests/test_crash_safety.py", "tests/test_load.py", "tests/test_server_settings.py"):
        assert promise in section, promise


def test_a_session_holds_at_most_two_of_the_largest_uploads(config, effective):
    """The upload guard's bound (studio/shared/upload_guard.py) follows the cap Streamlit reads: two files of
    maxUploadSize MB (one replacing the other) and 1 MB of multipart framing; tests/test_classroom_uploads.py
    shows it on a running server."""
    from studio.shared.upload_guard import session_upload_bytes

    assert session_upload_bytes() == (2 * config["server"]["maxUploadSize"] + 1) * 2**20 == 41 * 2**20
