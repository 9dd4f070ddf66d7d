"""A turn costs the same however long the session is.

Bounded pictures are sent, and a journal is read without re-encoding.

The timings are in benchmarks/; these tests pin the behaviour that makes them hold.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from session_tui.config import Config, Profile
from session_tui.engine import Engine
from session_tui.engine.turns import HISTORY_IMAGES, HISTORY_TURNS
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, Provider
from session_tui.store import sessions
from session_tui.store.journal import Journal, decode, encode
from session_tui.store.sessions import SessionDir


def png(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (shade, 90, 160)).save(out, format="PNG")
    return out.getvalue()


class Recorder(Provider):
    """Answers every turn with a new picture and keeps what each request carried."""

    kind = "recorder"

    def __init__(self) -> None:
        super().__init__("recorder", Profile(kind="offline", model="m"), Home(Path("/nonexistent")))
        self.requests: list[list[tuple[int, str, int]]] = []

    def capabilities(self) -> Capabilities:
        return Capabilities(multi_turn=True, max_references=14, seed_honoured=False)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        self.requests.append([(h.index, h.prompt, len(h.images)) for h in request.history])
        for h in request.history:
            for image in h.images:
                assert image.data  # the pictures that are carried can be read
        return GenerationResult(images=[png(len(self.requests) * 10)], text="ok")


def test_only_the_newest_turns_carry_their_pictures(home: Home) -> None:
    recorder = Recorder()
    engine = Engine(home, Config(), provider_factory=lambda c, n, h: recorder)
    engine.new_session("long")
    for i in range(1, 7):
        engine.send("long", f"step {i}")
    last = recorder.requests[-1]
    # Every earlier turn is still there as text, so the conversation reads the same ...
    assert [(index, prompt) for index, prompt, _ in last] == [(i, f"step {i}") for i in range(1, 6)]
    # ... but only the newest HISTORY_IMAGES turns bring their pictures along.
    assert [count for *_, count in last] == [0] * (5 - HISTORY_IMAGES) + [1] * HISTORY_IMAGES
    assert 1 <= HISTORY_IMAGES <= 3


def test_journal_reads_its_own_lines_and_reformatted_ones_and_rejects_altered_ones(tmp_path: Path) -> None:
    data = {"index": 3, "prompt": 'ünïcode ✓ and "quotes"', "n": 1.5, "nested": {"b": [1, 2], "a": None}}
    line = encode("turn", data).rstrip(b"\n")
    assert decode(line) == ("turn", data)
    # The same record laid out differently (as a hand edit or another tool might) still checks out.
    obj = json.loads(line)
    assert decode(json.dumps(obj, indent=1, ensure_ascii=True).replace("\n", " ").encode()) == ("turn", data)
    # A changed value, with the old CRC, is damage, whichever way the line is laid out.
    altered = line.replace(b'"index":3', b'"index":4')
    assert altered != line
    for bad in (altered, json.dumps(json.loads(altered), indent=1).replace("\n", " ").encode()):
        try:
            decode(bad)
        except ValueError:
            continue
        raise AssertionError(f"an altered record was accepted: {bad[:60]!r}")
    journal = Journal(tmp_path / "journal.jsonl")
    journal.path.write_bytes(encode("turn", data) + altered + b"\n" + encode("checkpoint", {"id": "cp1"}))
    problems: list[str] = []
    assert [(r.type, r.line) for r in journal.read(problems)] == [("turn", 1), ("checkpoint", 3)]
    assert problems == ["journal line 2 is damaged and was skipped"]


def _both_ways(sd_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    fast = SessionDir(sd_path).load()
    with monkeypatch.context() as m:
        m.setattr(sessions, "fast_record", lambda payload: None)
        slow = SessionDir(sd_path).load()
    return fast, slow


def recorded(tmp_path: Path, turns: int, **approve: Any) -> tuple[Engine, SessionDir]:
    """Session ``s`` of ``turns`` turns drawn by the Recorder, with one checkpoint approved as asked."""
    engine = Engine(Home(tmp_path / "home"), Config(), provider_factory=lambda c, n, h: Recorder())
    engine.new_session("s")
    for i in range(turns):
        engine.send("s", f"step {i}")
    engine.approve("s", **approve)
    return engine, engine.session_dir("s")


def test_the_one_step_loader_reads_exactly_what_the_general_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, sd = recorded(tmp_path, 3, label="best")
    good = sd.journal.path.read_bytes()
    at = {"started_at": "2026-01-01T00:00:00Z"}  # else each load fills in its own "now"
    odd = [
        encode("turn", {"index": 9, "prompt": "a bool version", "schema_version": True, **at}),
        encode("turn", {"index": "10", "prompt": "an index as text", **at}),
        encode("turn", {"index": 11, "prompt": "from the future", "schema_version": 99, **at}),
        encode("turn", {"index": 12, "prompt": "extra fields", "surprise": {"x": 1}, "duration_s": 2, **at}),
        encode(
            "turn", {"index": 1, "prompt": "bad image ref", "images": [{"sha256": "../../etc/passwd"}], **at}
        ),
        encode("marker", {"index": 13}),
        encode(
            "checkpoint", {"id": "cp9", "turn": 2, "image": {"sha256": "f" * 64}, "created_at": "yesterday"}
        ),
        encode(
            "checkpoint",
            {"id": "cp8", "turn": 2, "image": {"sha256": "e" * 64}, "created_at": at["started_at"]},
        ),
        b'{"crc":"00000000","rec":{"data":{"index":14,"prompt":"bad crc"},"type":"turn"}}\n',
    ]
    sd.journal.path.write_bytes(good + b"".join(odd))
    fast, slow = _both_ways(sd.path, monkeypatch)
    assert fast.model_dump() == slow.model_dump()
    assert fast.warnings == slow.warnings and len(fast.warnings) >= 4
    assert [t.index for t in fast.turns] == [1, 2, 3, 10, 12]  # 9 and 11 refused either way
    here = Path(__file__).parent
    for fixture in [*(here / "fixtures" / "schema1").iterdir(), *(here.parent / "sessions").iterdir()]:
        if (fixture / "session.json").exists():
            fast, slow = _both_ways(fixture, monkeypatch)
            assert fast.model_dump() == slow.model_dump() and fast.warnings == slow.warnings


def test_a_png_is_turned_upright_only_when_it_carries_exif(tmp_path: Path) -> None:
    from session_tui.media.images import upright

    plain = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 10, 10)).save(plain, format="PNG")
    assert upright(plain.getvalue()) == plain.getvalue()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    tagged = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 10, 10)).save(tagged, format="PNG", exif=exif)
    assert b"eXIf" in tagged.getvalue()
    with Image.open(io.BytesIO(upright(tagged.getvalue()))) as img:
        assert img.size == (20, 30)


def test_only_the_newest_turns_are_replayed_at_all(home: Home) -> None:
    recorder = Recorder()
    engine = Engine(home, Config(), provider_factory=lambda c, n, h: recorder)
    engine.new_session("long")
    sent = HISTORY_TURNS + 4
    for i in range(1, sent + 1):
        engine.send("long", f"step {i}")
    last = recorder.requests[-1]  # the request of turn `sent`: the turns before it, newest only
    assert [index for index, *_ in last] == list(range(sent - HISTORY_TURNS, sent))


def test_the_offline_renderer_keeps_an_edit_made_long_before_the_replayed_turns(engine: Engine) -> None:
    from session_tui.providers.offline import LOOK_CHUNK

    def look(name: str, index: int) -> dict[str, Any]:
        sd = engine.session_dir(name)
        with Image.open(io.BytesIO(sd.blobs.read(engine.load(name).turn(index).images[0]))) as img:
            return dict(json.loads(img.info[LOOK_CHUNK]))

    engine.new_session("edited")
    engine.send("edited", "make the hoodie blue", seed=1)
    for i in range(HISTORY_TURNS + 2):
        engine.send("edited", "standing in the studio", seed=2 + i)
    engine.new_session("plain")
    engine.send("plain", "standing in the studio", seed=1)
    last = HISTORY_TURNS + 3
    assert look("edited", last)["top"] == look("edited", 1)["top"] != look("plain", 1)["top"]


@pytest.mark.parametrize("decoded", [True, False])
def test_an_image_the_provider_decoded_is_not_decoded_again_to_store_it(
    home: Home, monkeypatch: pytest.MonkeyPatch, decoded: bool
) -> None:
    from session_tui.store import blobs

    class Checked(Recorder):
        def generate(self, request: GenerationRequest) -> GenerationResult:
            result = super().generate(request)
            result.previews = [None] * len(result.images) if decoded else []  # decoded, no small copy
            return result

    calls: list[int] = []
    real = blobs.verify_decodes
    monkeypatch.setattr(
        blobs, "verify_decodes", lambda data, what="": calls.append(len(data)) or real(data, what)
    )
    engine = Engine(home, Config(), provider_factory=lambda c, n, h: Checked())
    engine.new_session("s")
    turn = engine.send("s", "a picture")
    assert turn.status == "ok" and len(calls) == (0 if decoded else 1)


def test_a_read_keeps_only_what_it_is_asked_to_and_finds_the_same_turns(tmp_path: Path) -> None:
    _, sd = recorded(tmp_path, 4, label="best")
    at = {"started_at": "2026-01-01T00:00:00Z"}
    sd.journal.path.write_bytes(
        sd.journal.path.read_bytes()
        + b"".join(
            [
                encode(
                    "turn", {"index": 2, "prompt": "a later record of turn 2 wins", **at}
                ),  # pending: interrupted
                encode("turn", {"index": 3, "prompt": "an invalid later record", "status": "lost", **at}),
                encode("turn", {"index": "7", "prompt": "only the general path reads this one", **at}),
            ]
        )
    )
    seen: list[int] = []

    def keep(turn: Any) -> tuple[int, str, str]:
        seen.append(turn.index)
        return turn.index, turn.status, turn.prompt

    log = sd.read_log(keep)
    eager = sd.load()
    assert log.turns == [(t.index, t.status, t.prompt) for t in eager.turns]
    assert sorted(seen) == [1, 2, 2, 3, 4, 7]  # every ended record; a pending one only as its turn's last
    assert (
        log.warnings == eager.warnings and log.checkpoints == eager.checkpoints and len(eager.warnings) == 1
    )
    assert eager.turn(2).status == "interrupted" and eager.turn(3).status == "ok" and eager.turn(7).prompt
    for fixture in [*(Path(__file__).parent / "fixtures" / "schema1").iterdir()]:
        if (fixture / "session.json").exists():
            whole = SessionDir(fixture).load()
            assert SessionDir(fixture).read_log(lambda t: t.model_dump()).turns == [
                t.model_dump() for t in whole.turns
            ]


def test_show_json_streams_exactly_the_whole_document(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    from session_tui.cli.main import main
    from session_tui.engine.views import session_json

    engine = Engine(home, Config(), provider_factory=lambda c, n, h: Recorder())
    for name, turns in (("empty", 0), ("one", 1), ("three", 3)):
        engine.new_session(name)
        for i in range(turns):
            engine.send(name, f'step {i} ✓ "quoted"\nand a second line')
        if turns:
            engine.approve(name)
        assert main(["show", name, "--json"]) == 0
        out = capsys.readouterr().out
        doc = session_json(engine.place(name), engine.load(name))
        assert out == json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def test_a_load_of_the_recent_turns_builds_only_those_and_counts_the_rest(tmp_path: Path) -> None:
    engine, sd = recorded(tmp_path, 8, turn=2, label="early")
    at = {"started_at": "2026-01-01T00:00:00Z"}
    # A later record of an early turn (as `score` writes) and a turn cut off by a crash.
    sd.journal.path.write_bytes(
        sd.journal.path.read_bytes()
        + encode("turn", {**engine.load("s").turn(3).model_dump(mode="json"), "reply_text": "rescored"})
        + encode("turn", {"index": 9, "prompt": "cut off", **at})
    )
    whole = sd.load()
    for recent in (1, 3, 9, 20):
        part = sd.load(recent)
        assert part.turns == whole.turns[-recent:]
        assert part.turn_count == whole.turn_count == 9 and part.prompts == whole.prompts
        assert list(part.earlier) == [t.index for t in whole.turns[:-recent]]
        assert part.checkpoints == whole.checkpoints and part.warnings == whole.warnings
    assert sd.load(7).turns[0].reply_text == "rescored" and sd.load(1).turns[0].status == "interrupted"
    assert sd.load(0).turns == [] and sd.load(0).turn_count == 9
