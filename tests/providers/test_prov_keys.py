"""Where keys come from, and where they never go."""

from __future__ import annotations

import os

import pytest

from session_tui.config import Profile
from session_tui.errors import ConfigError
from session_tui.paths import Home
from session_tui.providers.errors import redact
from session_tui.providers.keys import read_keys, resolve_api_key, save_key


def test_the_named_variable_comes_first(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_GATEWAY_KEY", "from-env")
    save_key(home, "gw", "from-file")
    profile = Profile(
        kind="openai-chat", base_url="https://gateway.example/v1", model="m", api_key_env="MY_GATEWAY_KEY"
    )
    assert resolve_api_key(profile, home, name="gw") == "from-env"
    monkeypatch.delenv("MY_GATEWAY_KEY")
    assert resolve_api_key(profile, home, name="gw") == "from-file"


def test_default_openai_key_only_for_openai(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    assert resolve_api_key(Profile(kind="openai-images", model="gpt-image-1"), home) == "sk-openai"
    assert (
        resolve_api_key(
            Profile(kind="openai-images", model="gpt-image-1", base_url="https://api.openai.com/v1"), home
        )
        == "sk-openai"
    )
    gateway = Profile(kind="openai-chat", model="m", base_url="https://gateway.example/v1")
    with pytest.raises(ConfigError, match="add api_key_env"):
        resolve_api_key(gateway, home, name="gw")
    save_key(home, "OPENAI_API_KEY", "sk-in-file")  # not even from the keys file
    with pytest.raises(ConfigError):
        resolve_api_key(gateway, home, name="gw")


def test_service_defaults(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "g-key")
    monkeypatch.setenv("OPENROUTER_API_KEY", "or-key")
    assert resolve_api_key(Profile(kind="gemini", model="gemini-3-pro-image"), home) == "g-key"
    router = Profile(kind="openai-chat", model="m", base_url="https://openrouter.ai/api/v1")
    assert resolve_api_key(router, home) == "or-key"
    monkeypatch.delenv("GEMINI_API_KEY")
    with pytest.raises(ConfigError, match="set GEMINI_API_KEY, or run 'session-tui keys set nbp'"):
        resolve_api_key(Profile(kind="gemini", model="gemini-3-pro-image"), home, name="nbp")


def test_keys_file_is_private_and_a_readable_one_is_refused(home: Home) -> None:
    path = save_key(home, "gw", "secret-value")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert read_keys(home) == {"gw": "secret-value"}
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        read_keys(home)


def test_redact_known_and_key_shaped_secrets() -> None:
    text = redact("key abc123secret and sk-abcdefghijklmnop and url?key=AIzaSyA123&x=1", ["abc123secret"])
    assert "abc123secret" not in text and "sk-abcdefghijklmnop" not in text and "AIzaSyA123" not in text
