"""Every test gets its own empty session-tui home; nothing touches the real one."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_tui.engine import Engine
from session_tui.paths import Home

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_HOME = REPO / "sessions"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("SESSION_TUI_HOME", str(home))
    for var in ("OPENAI_API_KEY", "GEMINI_API_KEY", "OPENROUTER_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def home(isolated_home: Path) -> Home:
    return Home(isolated_home)


@pytest.fixture
def engine(home: Home) -> Engine:
    return Engine(home)
