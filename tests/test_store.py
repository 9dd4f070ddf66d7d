"""The session store: blobs by content, atomic headers, the journal's crash handling, the lock."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import types
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from session_tui.domain.model import Checkpoint, SessionHeader, Turn
from session_tui.engine import Engine
from session_tui.errors import CorruptSession, SessionBusy, StorageError
from session_tui.paths import Home
from session_tui.store import atomic as atomic_mod
from session_tui.store import lock as lock_mod
from session_tui.store.journal import encode
from session_tui.store.sessions import HEADER, JOURNAL, SessionDir, Store


def png(
    colour: tuple[int, int, int] = (255, 140, 0), size: tuple[int, int] = (8, 6), text: str = ""
) -> bytes:
    img = Image.new("RGB", size, colour)
    out = io.BytesIO()
    if text:
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", text)
        img.save(out, format="PNG", pnginfo=info)
    else:
        img.save(out, format="PNG")
    return out.getvalue()


def jpeg(colour: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (9, 7), colour).save(out, format="JPEG", quality=73)
    return out.getvalue()


@pytest.fixture
def sd(tmp_path: Path) -> SessionDir:
    store = Store(tmp_path / "home")
    return store.create(SessionHeader(name="s"))


def turn(index: int, status: str = "ok", **extra: object) -> Turn:
    return Turn(index=index, prompt=f"prompt {index}", status=status, **extra)  # type: ignore[arg-type]


# -- blobs -----------------------------------------------------------------------------------------


def test_blobs_are_stored_once_by_sha256_with_original_bytes(sd: SessionDir) -> None:
    originals = [png(text="made by hand"), jpeg(), png((1, 2, 3))]
    refs = [sd.blobs.put(data) for data in originals]
    again = [sd.blobs.put(data) for data in originals]
    assert refs == again
    files = sorted(p for p in (sd.path / "blobs").rglob("*") if p.is_file())
    assert len(files) == 3  # no duplicates, no leftover temp files
    for data, ref in zip(originals, refs, strict=True):
        sha = hashlib.sha256(data).hexdigest()
        assert ref.sha256 == sha
        path = sd.blobs.path(ref)
        assert path == sd.path / "blobs" / sha[:2] / path.name and path.name.startswith(sha)
        assert path.read_bytes() == data  # the original bytes, not a re-encoding
    assert refs[1].mime == "image/jpeg" and sd.blobs.path(refs[1]).suffix == ".jpg"
    assert (refs[0].width, refs[0].height, refs[0].size_bytes) == (8, 6, len(originals[0]))


def test_blob_verify_notices_damage(sd: SessionDir) -> None:
    ref = sd.blobs.put(png())
    assert sd.blobs.verify(ref) is None
    path = sd.blobs.path(ref)
    path.write_bytes(path.read_bytes() + b"x")
    assert "does not match its hash" in (sd.blobs.verify(ref) or "")
    path.unlink()
    assert "missing" in (sd.blobs.verify(ref) or "")


def test_blobs_refuse_what_is_not_an_image(sd: SessionDir) -> None:
    from session_tui.errors import InvalidInput

    for junk in (b"", b"not an image", png()[:40]):
        with pytest.raises(InvalidInput):
            sd.blobs.put(junk)
    assert not any(p.is_file() for p in (sd.path / "blobs").rglob("*"))


# -- atomic header writes ------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_header_write_replaces_whole_file(sd: SessionDir) -> None:
    header = sd.read_header()
    header.character.name = "小橙"
    sd.write_header(header)
    assert sd.read_header().character.name == "小橙"
    assert _leftovers(sd.path) == []
    raw = (sd.path / HEADER).read_bytes()
    assert "小橙".encode() in raw  # UTF-8 on disk, readable by people
    assert json.loads(raw)["schema_version"] == 1


def test_failed_header_write_leaves_the_old_header(sd: SessionDir, monkeypatch: pytest.MonkeyPatch) -> None:
    before = (sd.path / HEADER).read_bytes()
    header = sd.read_header()
    header.character.name = "never saved"

    def full_disk(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic_mod.os, "replace", full_disk)
    with pytest.raises(StorageError) as info:
        sd.write_header(header)
    assert "the disk is full" in info.value.message and "nothing was changed" in info.value.message
    monkeypatch.undo()
    assert (sd.path / HEADER).read_bytes() == before
    assert _leftovers(sd.path) == []


def test_header_write_killed_before_rename_keeps_old_header(sd: SessionDir) -> None:
    """A process SIGKILLed in the middle of a header write leaves the old header whole."""
    before = (sd.path / HEADER).read_bytes()
    code = textwrap.dedent(f"""
        import os, signal, sys
        from pathlib import Path
        from session_tui.store import atomic
        from session_tui.store.sessions import SessionDir
        sd = SessionDir(Path({str(sd.path)!r}))
        header = sd.read_header()
        header.character.name = "half written"
        def die(src, dst):
            os.kill(os.getpid(), signal.SIGKILL)
        atomic.os.replace = die
        sd.write_header(header)
    """)
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert (sd.path / HEADER).read_bytes() == before
    assert sd.load().header.character.name == ""  # a stray temp file is never read


# -- the journal ---------------------------------------------------------------------------------


def test_journal_round_trip_and_latest_turn_record_wins(sd: SessionDir) -> None:
    sd.append_turn(turn(1, "pending"))
    sd.append_turn(turn(1, "ok", reply_text="done"))
    sd.append_turn(turn(2, "failed", error="boom"))
    session = sd.load()
    assert [(t.index, t.status) for t in session.turns] == [(1, "ok"), (2, "failed")]
    assert session.turns[0].reply_text == "done" and session.turns[1].error == "boom"
    assert session.warnings == []


def test_pending_turn_left_by_a_crash_loads_as_interrupted_with_its_prompt(sd: SessionDir) -> None:
    sd.append_turn(turn(1, "pending"))
    t = sd.load().turns[0]
    assert t.status == "interrupted" and t.prompt == "prompt 1" and t.error


def test_a_pending_record_holds_only_what_a_crash_must_not_lose(sd: SessionDir) -> None:
    pending = Turn(
        index=1,
        prompt="on the beach",
        prompt_sent="Little Orange on the beach",
        provider="p",
        kind="openai-chat",
        model="m",
        input_images=["a" * 64] * 14,
        series={"name": "s", "key": "k"},
    )
    sd.append_turn(pending)
    (line,) = (sd.path / JOURNAL).read_bytes().splitlines()
    data = json.loads(line)["rec"]["data"]
    assert set(data) == {
        "schema_version",
        "index",
        "prompt",
        "prompt_sent",
        "params",
        "provider",
        "kind",
        "model",
        "status",
        "started_at",
        "series",
    }
    assert len(line) < 600  # fourteen input hashes would be another kilobyte, written twice a turn
    back = sd.load().turns[0]
    assert back.status == "interrupted" and back.error
    assert back.model_dump(exclude={"status", "error", "input_images"}) == pending.model_dump(
        exclude={"status", "error", "input_images"}
    )
    # the finished record is whole
    sd.append_turn(pending.model_copy(update={"status": "ok"}))
    assert sd.load().turns[0].input_images == ["a" * 64] * 14


def test_torn_tail_is_skipped_then_cut_on_next_append(sd: SessionDir) -> None:
    sd.append_turn(turn(1))
    whole = encode("turn", turn(2).model_dump(mode="json"))
    path = sd.path / JOURNAL
    with open(path, "ab") as fh:
        fh.write(whole[: len(whole) // 2])  # a crash in the middle of a write
    session = sd.load()
    assert [t.index for t in session.turns] == [1]
    assert len(session.warnings) == 1 and "cut short" in session.warnings[0]

    sd.append_turn(turn(3))
    session = sd.load()
    assert [t.index for t in session.turns] == [1, 3]
    assert session.warnings == []
    assert path.read_bytes().endswith(b"\n") and path.read_bytes().count(b"\n") == 2


def test_torn_tail_longer_than_a_megabyte_is_cut(sd: SessionDir) -> None:
    """A big record (e.g. a provider's opaque state) torn by a crash must not swallow the next one."""
    sd.append_turn(turn(1))
    big = encode("turn", turn(2, provider_state={"blob": "x" * (3 << 20)}).model_dump(mode="json"))
    with open(sd.path / JOURNAL, "ab") as fh:
        fh.write(big[: len(big) - 10])
    sd.append_checkpoint(Checkpoint(id="cp1", turn=1, image=sd.blobs.put(png())))
    session = sd.load()
    assert [t.index for t in session.turns] == [1]
    assert [c.id for c in session.checkpoints] == ["cp1"]
    assert session.warnings == []


@pytest.mark.parametrize("damage", ["flip", "garbage", "binary", "no-crc"])
def test_garbled_middle_line_is_skipped_with_a_warning(sd: SessionDir, damage: str) -> None:
    for i in (1, 2, 3):
        sd.append_turn(turn(i))
    path = sd.path / JOURNAL
    lines = path.read_bytes().split(b"\n")
    if damage == "flip":
        lines[1] = lines[1].replace(b"prompt 2", b"prompt 9")  # valid JSON, wrong checksum
    elif damage == "garbage":
        lines[1] = b"{this is not json"
    elif damage == "binary":
        lines[1] = b"\xff\xfe\x00\x81"
    else:
        lines[1] = json.dumps({"type": "turn", "data": turn(2).model_dump(mode="json")}).encode()
    path.write_bytes(b"\n".join(lines))
    session = sd.load()
    assert [t.index for t in session.turns] == [1, 3]
    assert session.warnings == ["journal line 2 is damaged and was skipped"]
    # the next append goes after it and nothing else is lost
    sd.append_turn(turn(4))
    assert [t.index for t in sd.load().turns] == [1, 3, 4]


def test_record_that_does_not_validate_is_skipped_with_a_warning(sd: SessionDir) -> None:
    sd.append_turn(turn(1))
    sd.journal.append("turn", {"index": "not a number", "prompt": 5})
    sd.journal.append("mystery", {"x": 1})
    sd.append_turn(turn(2))
    session = sd.load()
    assert [t.index for t in session.turns] == [1, 2]
    assert len(session.warnings) == 2
    assert "line 2" in session.warnings[0] and "unknown record type 'mystery'" in session.warnings[1]


def test_journal_failed_write_leaves_it_as_it_was(sd: SessionDir, monkeypatch: pytest.MonkeyPatch) -> None:
    sd.append_turn(turn(1))
    before = (sd.path / JOURNAL).read_bytes()
    calls = {"n": 0}
    real_pwrite = os.pwrite

    def short_then_fail(fd: int, data: bytes, offset: int) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real_pwrite(fd, data[:10], offset)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("session_tui.store.journal.os.pwrite", short_then_fail)
    with pytest.raises(StorageError, match="disk is full"):
        sd.append_turn(turn(2))
    monkeypatch.undo()
    assert (sd.path / JOURNAL).read_bytes() == before


def test_newer_schema_is_refused_with_a_sentence(sd: SessionDir) -> None:
    path = sd.path / HEADER
    data = json.loads(path.read_bytes())
    data["schema_version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(CorruptSession, match="newer session-tui"):
        sd.load()


def test_damaged_header_is_a_sentence(sd: SessionDir) -> None:
    (sd.path / HEADER).write_bytes(b'{"name": ')
    with pytest.raises(CorruptSession, match="damaged"):
        sd.load()


# -- the lock --------------------------------------------------------------------------------------

HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from session_tui.store.sessions import SessionDir
    lock = SessionDir(Path(sys.argv[1])).lock()
    lock.acquire()
    print("locked", flush=True)
    sys.stdin.read()  # hold until the test closes our stdin
    lock.release()
    print("released", flush=True)
""")


def _holder(path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def _engine_with_session(home: Home, timeout: float) -> Engine:
    from session_tui.config import Config

    engine = Engine(home, config=Config(lock_timeout_s=timeout))
    engine.new_session("s")
    engine.send("s", "on the beach", seed=1)
    return engine


def test_second_writer_refuses_with_a_clear_sentence(home: Home) -> None:
    engine = _engine_with_session(home, timeout=0.1)
    sd = engine.session_dir("s")
    journal_before = (sd.path / JOURNAL).read_bytes()
    proc = _holder(sd.path)
    try:
        with pytest.raises(SessionBusy) as info:
            engine.approve("s", label="best")
        message = info.value.message
        assert message == (
            f"Session 's' is in use by another session-tui process (pid {proc.pid}); "
            "try again when it has finished."
        )
        assert info.value.exit_code == 3
        with pytest.raises(SessionBusy):
            engine.send("s", "in the park")
        assert (sd.path / JOURNAL).read_bytes() == journal_before  # nothing interleaved
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=60)
    assert engine.approve("s", label="best").id == "cp1"  # the kernel released it


def test_second_writer_waits_for_the_first(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    """The waiting writer's first try fails; it waits, the holder finishes, the second try wins."""
    engine = _engine_with_session(home, timeout=600)
    sd = engine.session_dir("s")
    proc = _holder(sd.path)
    waited = threading.Event()

    def sleep(_: float) -> None:
        # Called only after a failed try: let the holder go and wait until it has.
        if not waited.is_set():
            waited.set()
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.close()
            assert proc.stdout.readline().strip() == "released"
            proc.wait(timeout=60)

    monkeypatch.setattr(
        lock_mod, "time", types.SimpleNamespace(monotonic=lock_mod.time.monotonic, sleep=sleep)
    )
    try:
        cp = engine.approve("s", label="after-wait")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert waited.is_set() and cp.label == "after-wait"


def test_lock_held_by_a_killed_process_is_free(home: Home) -> None:
    engine = _engine_with_session(home, timeout=0.1)
    proc = _holder(engine.session_dir("s").path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert engine.approve("s").id == "cp1"


def test_busy_session_through_the_cli(home: Home) -> None:
    engine = _engine_with_session(home, timeout=0.1)
    home.config_file.write_text("lock_timeout_s = 0.1\n")
    proc = _holder(engine.session_dir("s").path)
    try:
        out = subprocess.run(
            [sys.executable, "-m", "session_tui", "--home", str(home.root), "approve", "s"],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=60)
    assert out.returncode == 3
    assert out.stdout == ""
    assert out.stderr.strip() == (
        f"session-tui: Session 's' is in use by another session-tui process "
        f"(pid {proc.pid}); try again when it has finished."
    )


# -- SIGKILL a writer in the middle of its writes -------------------------------------------------

WRITER = textwrap.dedent("""
    import io, os, signal, sys
    from pathlib import Path
    from PIL import Image
    from session_tui.domain.model import Checkpoint, Turn
    from session_tui.store import journal
    from session_tui.store.sessions import SessionDir

    sd = SessionDir(Path(sys.argv[1]))
    pad, kill_at = int(sys.argv[2]), int(sys.argv[3])

    class DiesMidWrite:
        # The journal's os, except that once kill_at journal bytes are written the process SIGKILLs
        # itself inside the write: a crash at an exact, chosen byte.
        written = 0
        def __getattr__(self, name):
            return getattr(os, name)
        def pwrite(self, fd, data, offset):
            room = kill_at - self.written
            if room < len(data):
                os.pwrite(fd, bytes(data[:room]), offset)
                os.kill(os.getpid(), signal.SIGKILL)
            self.written += len(data)
            return os.pwrite(fd, data, offset)

    if kill_at >= 0:
        journal.os = DiesMidWrite()
    while True:
        with sd.lock():
            session = sd.load()
            index = (session.turns[-1].index + 1) if session.turns else 1
            number = len(session.checkpoints) + 1
            # A pending record holds the prompt as sent: the pad makes it as large as asked.
            pending = Turn(index=index, prompt=f"prompt {index}", prompt_sent="p" * pad)
            sd.append_turn(pending)
            buf = io.BytesIO()
            Image.new("RGB", (16, 16), (index % 256, index // 256 % 256, 7)).save(buf, format="PNG")
            image = sd.blobs.put(buf.getvalue())
            done = pending.model_copy(update={"status": "ok", "images": [image], "prompt_sent": ""})
            sd.append_turn(done)
            cp = Checkpoint(id=f"cp{number}", turn=index, image=image, label=f"label {number}")
            sd.append_checkpoint(cp)
        print(f"saved {cp.id} {index} {image.sha256}", flush=True)
""")


def test_sigkill_writer_mid_write_loses_no_reported_checkpoint(tmp_path: Path) -> None:
    """SIGKILL a writer again and again; every reopen loads and keeps every checkpoint reported saved.

    Odd rounds kill from outside at a random moment (anywhere: loading, writing a blob, appending);
    even rounds make the writer SIGKILL itself inside a journal write at a random byte, so torn
    records, short and over a megabyte, are certain to happen.
    """
    store = Store(tmp_path / "home")
    path = store.create(SessionHeader(name="crash")).path
    rng = random.Random(20240611)
    reported: dict[str, tuple[int, str]] = {}
    torn = 0
    for round_ in range(8):
        pad = rng.choice([200, 200_000, 1_500_000])
        inside = round_ % 2 == 0
        # each loop writes about pad + 3 KB of journal; die somewhere in the first three loops
        kill_at = rng.randint(0, 3 * (pad + 3000)) if inside else -1
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(pad), str(kill_at)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        if not inside:
            for _ in range(rng.randint(1, 3)):
                line = proc.stdout.readline()
                assert line.startswith("saved"), f"writer stopped early in round {round_}"
                _, cp_id, index, sha = line.split()
                reported[cp_id] = (int(index), sha)
            time.sleep(rng.uniform(0, 0.2))  # a random moment; nothing is asserted about time
            proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=120)
        assert proc.returncode == -signal.SIGKILL
        for line in rest.splitlines():  # printed after the append returned: reported as saved
            _, cp_id, index, sha = line.split()
            reported[cp_id] = (int(index), sha)

        sd = SessionDir(path)
        session = sd.load()  # it loads
        assert len(session.warnings) <= 1 and all("cut short" in w for w in session.warnings), (
            session.warnings
        )
        by_id = {cp.id: cp for cp in session.checkpoints}
        for cp_id, (index, sha) in reported.items():
            assert cp_id in by_id, f"checkpoint {cp_id} was reported saved but is lost (round {round_})"
            assert (by_id[cp_id].turn, by_id[cp_id].image.sha256) == (index, sha)
            assert sd.blobs.verify(by_id[cp_id].image) is None
            assert session.turn(index).status == "ok"
        indexes = [t.index for t in session.turns]
        assert indexes == list(range(1, len(indexes) + 1))
        # each kill loses at most the turn in flight, which shows as interrupted with its prompt kept
        lost = [t for t in session.turns if t.status != "ok"]
        assert all(t.status == "interrupted" and t.prompt == f"prompt {t.index}" for t in lost)
        assert len(lost) <= round_ + 1
        torn += bool(session.warnings)
    assert len(reported) >= 4
    assert torn >= 3  # the kills did tear records in the middle of their writes
    # After all the kills the session still takes writes, and then loads with no warnings at all.
    sd = SessionDir(path)
    with sd.lock():
        sd.append_turn(turn(len(sd.load().turns) + 1))
    assert sd.load().warnings == []


# -- portability -----------------------------------------------------------------------------------


def test_copied_session_folder_opens_elsewhere(tmp_path: Path) -> None:
    first = Engine(Home(tmp_path / "one"))
    first.new_session("orig")
    first.send("orig", "on the beach", seed=3)
    first.approve("orig", label="best")
    source = first.session_dir("orig").path
    elsewhere = tmp_path / "two"
    elsewhere.mkdir()
    shutil.copytree(source, elsewhere / "copied")
    shutil.rmtree(tmp_path / "one")  # nothing may point back at the old home

    second = Engine(Home(elsewhere))
    session = second.load("copied")
    assert session.name == "copied"
    assert [t.status for t in session.turns] == ["ok"]
    sd = second.session_dir("copied")
    assert sd.blobs.verify(session.checkpoints[0].image) is None
    assert sd.blobs.path(session.checkpoints[0].image).is_relative_to(elsewhere / "copied")
    assert second.send("copied", "in the park", seed=4).index == 2
    assert second.store.names() == ["copied"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}", fullmatch=True))
def test_any_allowed_name_makes_a_folder_right_inside_the_home(tmp_path: Path, name: str) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path)) / "home"
    store = Store(root)
    sd = store.create(SessionHeader(name=name))
    assert sd.path.parent == root and sd.path.name == name
    assert store.names() == [name] and store.session(name).load().name == name
    assert [p.name for p in root.iterdir() if p.name != ".tmp"] == [name]
    assert not any((root / ".tmp").iterdir())  # no staging folder left behind
