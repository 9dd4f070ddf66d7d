"""Fixtures of the provider tests: the local fake service, a key in the environment, a reference."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakeservice import KEY, KEY_ENV, FakeService, png


@pytest.fixture
def service() -> Iterator[FakeService]:
    svc = FakeService()
    svc.start()
    yield svc
    svc.stop()


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_ENV, KEY)
    return KEY


@pytest.fixture
def ref_png(tmp_path: Path) -> Path:
    path = tmp_path / "ref.png"
    path.write_bytes(png((20, 120, 220), (40, 40)))
    return path
