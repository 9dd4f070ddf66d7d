"""The journal's fast reads find exactly what the general path finds, record by record and whole.

`fast_pending` validates a pending record with Turn's own fields without building the Turn (which
`pending_turn` builds if the turn was cut off), and `fast_record` hands a record's data straight to
its model's validator. Either may refuse a record, which the general path (json, migrations, lax
validation) then reads; what they accept must come out exactly as the general path reads it, and
no record may be taken for valid that the general path skips.
"""

from __future__ import annotations

import json
import shutil
import zlib
from pathlib import Path
from typing import Any

import pytest
from fuzzing import base_records, json_values, make_base
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from session_tui.domain.model import Checkpoint, Turn
from session_tui.errors import CorruptSession
from session_tui.store import sessions
from session_tui.store.journal import decode, encode, framed_payload
from session_tui.store.migrations import migrate_record
from session_tui.store.sessions import PENDING_FIELDS, SessionDir, fast_pending, fast_record, pending_turn

HERE = Path(__file__).parent
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
DELETE = object()
AT = "2026-01-01T00:00:00Z"

# Values close to the edge of what a field takes, so the strict fast path and the lax general one
# are made to disagree wherever they can.
EDGE_VALUES: list[Any] = [
    " 1:1",
    "1:1 ",
    "1k",
    "2K",
    "16:9",
    -1,
    0,
    2,
    99,
    2**40,
    1.0,
    "3",
    True,
    None,
    "pending",
    "ok",
    "interrupted",
    "failed",
    "lost",
    "2026-01-01",
    "2026-01-01T00:00:00",
    "2026-01-01T00:00:00+02:00",
    "yesterday",
    1767225600,
    [],
    {},
    {"status": "pending"},
    'a prompt that says "status":"pending"',
    {"aspect_ratio": " 1:1"},
    {"aspect_ratio": "1:1", "image_size": "1K", "seed": None, "extras": {}},
    {"name": "s", "key": "k", "scene": 1},
    [{"sha256": "../../etc/passwd"}],
    [{"sha256": "a" * 64}],
]
EDGES = st.sampled_from(EDGE_VALUES)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_base(tmp_path_factory.mktemp("speedpath") / "home")


def _payload(type_: str, data: dict[str, Any]) -> bytes:
    payload = framed_payload(encode(type_, data), b"\n")
    assert payload is not None
    return payload


def _general(payload: bytes) -> Turn | Checkpoint | None:
    """The record as the general path reads it (None where it skips it), from the same bytes."""
    type_, data = decode(b'{"crc":"%08x","rec":%s}' % (zlib.crc32(payload), payload))
    try:
        type_, data = migrate_record(type_, data)
        if type_ == "turn":
            return Turn.model_validate(data)
        return Checkpoint.model_validate(data) if type_ == "checkpoint" else None
    except (ValidationError, ValueError, CorruptSession):
        return None


def _same(fast: Turn | Checkpoint, slow: Turn | Checkpoint | None, data: dict[str, Any]) -> None:
    assert slow is not None and type(slow) is type(fast)
    # A record without its timestamp gets "now" each time it is read; everything else must match.
    stamp = "started_at" if isinstance(fast, Turn) else "created_at"
    skip = set() if stamp in data else {stamp}
    assert fast.model_dump_json(exclude=skip) == slow.model_dump_json(exclude=skip)
    assert fast.model_fields_set == slow.model_fields_set


def _mutated(record: dict[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(record["data"])
    for key, value in changes:
        if value is DELETE:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _changes(keys: list[str]) -> st.SearchStrategy[list[tuple[str, Any]]]:
    values = st.one_of(EDGES, json_values, st.just(DELETE))
    return st.lists(st.tuples(st.sampled_from(keys), values), max_size=3)


def _keys(base: Path) -> list[str]:
    return sorted({k for r in base_records(base) for k in r["data"]} | set(PENDING_FIELDS) | {"surprise"})


def test_the_pending_model_is_turns_own_fields_and_takes_no_other_key() -> None:
    pending = sessions._pending_model()
    assert set(pending.model_fields) == PENDING_FIELDS
    for name, field in pending.model_fields.items():
        own = Turn.model_fields[name]
        assert (field.annotation, field.metadata) == (own.annotation, own.metadata), name
        if name != "started_at":
            assert (field.default, field.default_factory) == (own.default, own.default_factory), name
    assert pending.model_fields["started_at"].is_required()
    assert pending.model_config == {**Turn.model_config, "extra": "forbid"}
    # It is built from Turn's fields, not its validators: were Turn to gain one, the pending model
    # would accept what Turn refuses.
    found = Turn.__pydantic_decorators__
    assert not (found.validators or found.field_validators or found.root_validators or found.model_validators)


def test_the_records_a_real_session_writes_take_the_fast_paths(base: Path) -> None:
    """Not a vacuous pass: the journal's own records are read by the fast paths, as the general one."""
    kinds = []
    for record in base_records(base):
        payload = _payload(record["type"], record["data"])
        index = fast_pending(payload)
        if index is not None:
            kinds.append("pending")
            slow = _general(payload)
            assert isinstance(slow, Turn) and (slow.status, slow.index) == ("pending", index)
            _same(pending_turn(payload), slow, record["data"])
            continue
        fast = fast_record(payload)
        assert fast is not None, record
        kinds.append(record["type"])
        _same(fast, _general(payload), record["data"])
    assert {"pending", "turn", "checkpoint"} <= set(kinds)


def test_every_edge_value_in_every_field_reads_as_the_general_path_reads_it(base: Path) -> None:
    """Each edge value in each field of each record, alone; and a pending mark beside another status."""
    cases: list[list[tuple[str, Any]]] = [
        [(key, value)] for key in _keys(base) for value in [*EDGE_VALUES, DELETE]
    ]
    for status in ("ok", "failed", "interrupted", "lost"):
        cases += [[("status", status), (key, {"status": "pending"})] for key in ("series", "params")]
    taken = 0
    for record in base_records(base):
        for changes in cases:
            taken += _compare(record, changes)
    assert taken > len(cases)  # the fast paths took many of them, not none


def _compare(record: dict[str, Any], changes: list[tuple[str, Any]]) -> int:
    """How many of the fast paths took the changed record; each one it took must read the same."""
    changed = _mutated(record, changes)
    payload = _payload(record["type"], changed)
    slow = _general(payload)
    index = fast_pending(payload)
    if index is not None:  # valid, pending, at this schema: the general path reads the same turn
        assert isinstance(slow, Turn) and (slow.status, slow.index) == ("pending", index), changes
        _same(pending_turn(payload), slow, changed)
    fast = fast_record(payload)
    if fast is not None:
        _same(fast, slow, changed)
    return (index is not None) + (fast is not None)


@FUZZ
@given(data=st.data())
def test_each_record_the_fast_paths_take_reads_as_the_general_path_reads_it(
    base: Path, data: st.DataObject
) -> None:
    _compare(data.draw(st.sampled_from(base_records(base))), data.draw(_changes(_keys(base))))


@FUZZ
@given(data=st.data())
def test_a_journal_reads_the_same_with_and_without_the_fast_paths(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    records = base_records(base)
    lines = []
    for _ in range(data.draw(st.integers(1, 10))):
        record = data.draw(st.sampled_from(records))
        changed = _mutated(record, data.draw(_changes(_keys(base))))
        # Else each read fills in its own "now".
        changed.setdefault("started_at" if record["type"] == "turn" else "created_at", AT)
        line = encode(record["type"], changed)
        lines.append(line[: len(line) // 2] + b"\n" if data.draw(st.integers(0, 9)) == 0 else line)
    folder = tmp_path / "s"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base, folder)
    (folder / "journal.jsonl").write_bytes(b"".join(lines))
    assert _read(folder, monkeypatch, fast=True) == _read(folder, monkeypatch, fast=False)


def _read(folder: Path, monkeypatch: pytest.MonkeyPatch, fast: bool) -> tuple[Any, ...]:
    """What read_log finds, and every turn ``keep`` was shown, in order."""
    seen: list[tuple[int, str, str]] = []

    def keep(turn: Turn) -> str:
        seen.append((turn.index, turn.status, turn.model_dump_json()))
        return turn.model_dump_json()

    with monkeypatch.context() as m:
        if not fast:
            m.setattr(sessions, "fast_record", lambda payload: None)
            m.setattr(sessions, "fast_pending", lambda payload: None)
        log = SessionDir(folder).read_log(keep)
    checkpoints = [c.model_dump_json() for c in log.checkpoints]
    return log.turns, checkpoints, log.warnings, seen


def test_a_turn_cut_off_after_its_pending_record_reads_the_same(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "s"
    shutil.copytree(base, folder)
    pending = [r for r in base_records(base) if r["data"].get("status") == "pending"]
    assert pending and fast_pending(_payload("turn", pending[0]["data"])) is not None
    again = encode("turn", {**pending[0]["data"], "index": 1})  # turn 1's last record is now pending
    with (folder / "journal.jsonl").open("ab") as fh:
        fh.write(again)
    fast = _read(folder, monkeypatch, fast=True)
    assert fast == _read(folder, monkeypatch, fast=False)
    assert [(index, status) for index, status, _ in fast[3]][-2:] == [(3, "interrupted"), (1, "interrupted")]


def test_a_payload_that_only_looks_cut_to_shape_is_not_misread(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys given twice: what lies between the first "data" and the last "type" is not one value."""
    turn = next(r["data"] for r in base_records(base) if r["type"] == "turn" and r["data"]["status"] == "ok")
    inner = json.dumps(turn, sort_keys=True, separators=(",", ":"))
    payload = f'{{"data":{inner},"type":"checkpoint","data":{inner},"type":"turn"}}'.encode()
    assert fast_record(payload) is None and fast_pending(payload) is None
    folder = tmp_path / "s"
    shutil.copytree(base, folder)
    with (folder / "journal.jsonl").open("ab") as fh:
        fh.write(b'{"crc":"%08x","rec":%s}\n' % (zlib.crc32(payload), payload))
    assert _read(folder, monkeypatch, fast=True) == _read(folder, monkeypatch, fast=False)


def test_the_fixtures_and_the_example_home_read_the_same_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    folders = [*(HERE / "fixtures" / "schema1").iterdir(), *(HERE.parent / "sessions").iterdir()]
    read = [f for f in folders if (f / "session.json").exists()]
    assert len(read) >= 2
    for folder in read:
        assert _read(folder, monkeypatch, fast=True) == _read(folder, monkeypatch, fast=False), folder
