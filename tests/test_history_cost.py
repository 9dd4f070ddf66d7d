"""A turn costs the same however long the session is: bounded pictures sent, a journal read without re-encoding.

The timings are in benchmarks/; these tests pin the behaviour that makes them hold.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from session_tui.config import Config, Profile
from session_tui.engine import HISTORY_IMAGES, Engine
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, Provider
from session_tui.store.journal import Journal, decode, encode


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
    data = {"index": 3, "prompt": "ünïcode ✓ and \"quotes\"", "n": 1.5, "nested": {"b": [1, 2], "a": None}}
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
