"""Property-based fuzzing (hypothesis) of the session loader and of check --repair.

Random bytes or JSON in session.json, random journals: never a traceback, only a clean load (with
warnings) or CorruptSession; check never raises; repair loses no line and changes no loaded record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fuzzing import (
    header_bytes_property,
    header_changes,
    header_json_property,
    header_mutation_property,
    import_property,
    journal_bytes_strategy,
    journal_property,
    journal_records_property,
    json_values,
    make_base,
    record_mutations,
    zip_entries,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_base(tmp_path_factory.mktemp("fuzz-base") / "home")


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    return tmp_path / "scratch"


@FUZZ
@given(data=st.binary(max_size=3000))
def test_header_random_bytes(base: Path, scratch: Path, data: bytes) -> None:
    header_bytes_property(base, scratch, data)


@FUZZ
@given(value=json_values)
def test_header_random_json(base: Path, scratch: Path, value: Any) -> None:
    header_json_property(base, scratch, value)


@FUZZ
@given(changes=header_changes)
def test_header_mutations(base: Path, scratch: Path, changes: list[tuple[list[str], Any]]) -> None:
    header_mutation_property(base, scratch, changes)


@FUZZ
@given(data=st.data())
def test_journal_random_bytes(base: Path, scratch: Path, data: st.DataObject) -> None:
    journal_property(base, scratch, data.draw(journal_bytes_strategy(base)))


@FUZZ
@given(data=st.data())
def test_journal_intact_but_hostile_records(base: Path, scratch: Path, data: st.DataObject) -> None:
    journal_records_property(base, scratch, data.draw(record_mutations(base)))


@FUZZ
@given(entries=zip_entries)
def test_import_of_hostile_zips(base: Path, scratch: Path, entries: list[tuple[str, bytes, int]]) -> None:
    import_property(base, scratch, entries)
