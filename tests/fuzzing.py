"""Fuzz properties of the session loader and of ``check --repair``, shared by tests and the report.

Each property takes a base session folder (made once by ``make_base``), a scratch folder and the
fuzzed input; it raises AssertionError (or lets an unexpected exception escape) when the property
breaks. ``tests/test_fuzz_loader.py`` runs them under hypothesis; ``scripts/reliability_report.py``
runs them with more examples and counts the inputs.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from session_tui.domain.model import Session
from session_tui.engine import Engine
from session_tui.errors import CorruptSession, NotFound, SessionTuiError
from session_tui.paths import Home
from session_tui.store.check import DAMAGED, check_session
from session_tui.store.journal import encode
from session_tui.store.sessions import SessionDir, Store

NAME = "fz"
DELETE = object()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def make_base(root: Path) -> Path:
    """A home with one session: a reference, two ok turns, a pending turn, a checkpoint."""
    home = Home(root)
    engine = Engine(home)
    engine.new_session(NAME)
    engine.send(NAME, "standing", seed=1, image_size="1K")
    engine.send(NAME, "at the beach", seed=2)
    engine.approve(NAME, turn=1, label="keeper")
    sd = SessionDir(root / NAME)
    sd.append_turn(
        engine.load(NAME).turns[0].model_copy(update={"index": 3, "status": "pending", "images": []})
    )
    return root / NAME


def fresh_copy(base: Path, scratch: Path) -> SessionDir:
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    shutil.copytree(base, scratch / NAME)
    return SessionDir(scratch / NAME)


def base_records(base: Path) -> list[dict[str, Any]]:
    """The base journal's records as {"type", "data"} dicts."""
    out = []
    for line in (base / "journal.jsonl").read_bytes().splitlines():
        rec = json.loads(line)["rec"]
        out.append({"type": rec["type"], "data": rec["data"]})
    return out


def _load_or_corrupt(sd: SessionDir) -> None:
    with contextlib.suppress(CorruptSession, NotFound):
        sd.load()


def header_bytes_property(base: Path, scratch: Path, data: bytes) -> None:
    """Any bytes in session.json: a clean load or CorruptSession, and check says so without raising."""
    sd = fresh_copy(base, scratch)
    (sd.path / "session.json").write_bytes(data)
    _load_or_corrupt(sd)
    report = check_session(Store(scratch), NAME)
    if report.ok:
        sd.load()  # what check passes must open


def header_json_property(base: Path, scratch: Path, value: Any) -> None:
    header_bytes_property(base, scratch, json.dumps(value).encode())


def header_mutation_property(base: Path, scratch: Path, changes: list[tuple[list[str], Any]]) -> None:
    """A valid header with fields replaced or removed (at any depth)."""
    data = json.loads((base / "session.json").read_text())
    for path, value in changes:
        target = data
        for key in path[:-1]:
            nxt = target.get(key) if isinstance(target, dict) else None
            if not isinstance(nxt, dict):
                break
            target = nxt
        else:
            if isinstance(target, dict):
                if value is DELETE:
                    target.pop(path[-1], None)
                else:
                    target[path[-1]] = value
    header_bytes_property(base, scratch, json.dumps(data).encode())


def journal_property(base: Path, scratch: Path, data: bytes) -> None:
    """Any journal under a valid header: it opens, with warnings; check and repair never raise and
    lose nothing."""
    sd = fresh_copy(base, scratch)
    (sd.path / "journal.jsonl").write_bytes(data)
    session = sd.load()  # a valid header always opens, whatever the journal holds
    assert session.header.name == NAME
    store = Store(scratch)
    before = check_session(store, NAME)
    assert before.turns == len(session.turns) and before.checkpoints == len(session.checkpoints)
    try:
        engine = Engine(Home(scratch))
        engine.approve(NAME)
    except SessionTuiError:
        pass
    loaded = sd.load()
    data = (sd.path / "journal.jsonl").read_bytes()
    kept_lines = {line for line in data.split(b"\n") if line.strip()}
    check_session(store, NAME, repair=True)
    after = check_session(store, NAME)
    assert not any("damaged" in e or "cut short" in e for e in after.errors + after.warnings), after
    survivors = set((sd.path / "journal.jsonl").read_bytes().split(b"\n"))
    side = (sd.path / DAMAGED).read_bytes().split(b"\n") if (sd.path / DAMAGED).exists() else []
    lost = {line for line in kept_lines if line not in survivors and line not in side}
    assert not lost, f"repair lost {len(lost)} line(s)"
    repaired = sd.load()
    assert _essence(repaired) == _essence(loaded), "repair changed the session"


def _essence(session: Session) -> tuple[Any, ...]:
    # Not the whole records: a record missing a timestamp gets "now" each time it is read.
    return (
        [(t.index, t.status, t.prompt, t.images) for t in session.turns],
        [(c.id, c.turn, c.image, c.label) for c in session.checkpoints],
    )


def journal_records_property(base: Path, scratch: Path, records: list[tuple[str, Any, bool]]) -> None:
    """Intact records (valid CRC) with arbitrary types and data, some torn: they load, never crash."""
    lines = []
    for type_, data, torn in records:
        line = encode(type_, data if isinstance(data, dict) else {"value": data})
        lines.append(line[: len(line) // 2] + b"\n" if torn else line)
    journal_property(base, scratch, b"".join(lines))


def record_mutations(base: Path) -> st.SearchStrategy[list[tuple[str, Any, bool]]]:
    """Records of the base journal with fields replaced, plus made-up ones."""
    records = base_records(base)

    def mutate(rec: dict[str, Any], key: str, value: Any, drop: bool) -> tuple[str, Any, bool]:
        data = dict(rec["data"])
        if drop:
            data.pop(key, None)
        else:
            data[key] = value
        return rec["type"], data, False

    keys = [*sorted({k for r in records for k in r["data"]}), "id", "turn", "image", "images", "index"]
    mutated = st.builds(mutate, st.sampled_from(records), st.sampled_from(keys), json_values, st.booleans())
    intact = st.sampled_from(records).map(lambda r: (r["type"], r["data"], False))
    torn = st.sampled_from(records).map(lambda r: (r["type"], r["data"], True))
    made_up = st.tuples(st.sampled_from(["turn", "checkpoint", "other", ""]), json_values, st.just(False))
    return st.lists(st.one_of(intact, mutated, torn, made_up), max_size=8)


def journal_bytes_strategy(base: Path) -> st.SearchStrategy[bytes]:
    """Raw journals: valid lines, garbage, truncations and flipped bytes, mixed."""
    valid = (base / "journal.jsonl").read_bytes().splitlines()

    def flip(line: bytes, at: int, value: int) -> bytes:
        if not line:
            return line
        i = at % len(line)
        return line[:i] + bytes([value]) + line[i + 1 :]

    pieces = st.one_of(
        st.sampled_from(valid),
        st.builds(flip, st.sampled_from(valid), st.integers(0, 10_000), st.integers(0, 255)),
        st.builds(
            lambda line, n: line[: n % max(1, len(line))], st.sampled_from(valid), st.integers(0, 10_000)
        ),
        st.binary(max_size=200),
        st.just(b"[" * 5000),
    )
    return st.builds(
        lambda parts, end: b"\n".join(parts) + end,
        st.lists(pieces, max_size=8),
        st.sampled_from([b"\n", b"", b"\n\n", b'{"crc":']),
    )


HEADER_KEYS: list[list[str]] = [
    ["schema_version"],
    ["name"],
    ["created_at"],
    ["provider"],
    ["kind"],
    ["model"],
    ["character"],
    ["character", "palette"],
    ["character", "name"],
    ["character", "schema_version"],
    ["params"],
    ["params", "aspect_ratio"],
    ["params", "seed"],
    ["params", "image_size"],
    ["references"],
    ["parent"],
    ["assemble_prompt"],
    ["unknown"],
]

header_changes = st.lists(
    st.tuples(st.sampled_from(HEADER_KEYS), st.one_of(json_values, st.just(DELETE))), min_size=1, max_size=4
)


zip_entries = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(
                [
                    "fz/session.json",
                    "fz/journal.jsonl",
                    "fz/../x",
                    "/abs",
                    "fz/blobs/aa/" + "a" * 64 + ".png",
                    "session.json",
                    "fz/cache/x",
                    "a\\b",
                    "fz/.lock",
                    "x/session.json",
                ]
            ),
            st.text(max_size=20),
        ),
        st.one_of(st.binary(max_size=200), st.sampled_from([b"{}", b'{"name": "fz"}', b"[" * 3000])),
        st.integers(0, 0o177777),
    ),
    max_size=6,
)


def import_property(base: Path, scratch: Path, entries: list[tuple[str, bytes, int]]) -> None:
    """Any zip, built from a real session plus hostile entries: imported whole and checked, or refused."""
    import io
    import warnings
    import zipfile

    from session_tui.store.importer import import_zip

    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "home").mkdir(parents=True)
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore")  # duplicate names are part of the fuzz
        for p in sorted(base.rglob("*")):
            if p.is_file() and p.name != ".lock":
                zf.write(p, f"fz/{p.relative_to(base)}")
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name or "x")
            info.external_attr = mode << 16
            zf.writestr(info, data)
    (scratch / "in.zip").write_bytes(buf.getvalue())
    store = Store(scratch / "home")
    try:
        result = import_zip(store, scratch / "in.zip", "imported")
    except SessionTuiError:
        assert store.names() == [], "a refused import left a session behind"
        return
    assert check_session(store, result.name).ok
    outside = {p.name for p in scratch.iterdir()}
    assert outside == {"home", "in.zip"}, outside
