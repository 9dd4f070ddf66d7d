"""The README's ready profiles are valid configuration for every kind."""

from __future__ import annotations

import tomllib
from pathlib import Path

from session_tui.config import parse_config
from session_tui.paths import Home
from session_tui.providers.registry import create_provider

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_profiles_parse_and_build(home: Home) -> None:
    text = README.read_text()
    block = text.split("Ready profiles", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_config(tomllib.loads(block), "README.md")
    kinds = {profile.kind for profile in config.providers.values()}
    assert kinds == {"gemini", "gemini-interactions", "openai-chat", "openai-images", "openai-responses"}
    for name, profile in config.providers.items():
        assert create_provider(name, profile, home).capabilities().max_references > 0
