"""A turn's records (usage, request, score, series mark) are pydantic models that read and write
the JSON the dicts before them did, byte for byte: old journals load unchanged, new turns round-trip,
and `show --json` of the saved sessions prints what it printed before the models."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from rel_support import run_cli

from session_tui.domain.model import Turn
from session_tui.domain.records import JudgeVerdict, Record, RequestInfo, Score, SeriesMark, Usage
from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.store.migrations import migrate_record
from session_tui.store.sessions import fast_record, turn_record

HERE = Path(__file__).parent
SHOW_JSON = HERE / "fixtures" / "show-json"
SAVED = [HERE / "fixtures" / "schema1", HERE.parent / "sessions"]

# Each shape the code has written, as a journal holds it (keys sorted) or as a producer built it.
USAGE = [
    {},
    {"input_tokens": 10, "output_tokens": 20, "total_tokens": 30},
    {"prompt_tokens": 5, "completion_tokens": 1290, "total_tokens": 1295},
    {
        "candidatesTokenCount": 1290,
        "promptTokenCount": 300,
        "promptTokensDetails": [{"modality": "IMAGE", "tokenCount": 258}],
        "totalTokenCount": 1590,
    },
    {"cost": 0.0012, "prompt_tokens": 5, "completion_tokens": 7},
    {"cost": 0},
    {"total_input_tokens": 300, "total_output_tokens": 1290, "total_tokens": 1590},
]
REQUEST = [
    {},
    {"bytes_sent": 0, "input_images": 1},
    {"input_images": 2, "bytes_sent": 0},
    {
        "budget_bytes": 20000000,
        "bytes_sent": 512345,
        "input_images": 2,
        "images": [
            {"role": "reference", "image": "1efbe3f3fa7c"},
            {
                "role": "last",
                "image": "1ef6ad78049a",
                "mime": "image/jpeg",
                "width": 1024,
                "height": 1024,
                "bytes": 123456,
                "changed": "re-encoded",
            },
        ],
        "endpoint": "generateContent",
        "turns_sent": 3,
        "notice": "Earlier pictures no longer fit.",
    },
    {
        "budget_bytes": 1,
        "bytes_sent": 2,
        "input_images": 0,
        "images": [],
        "endpoint": "responses",
        "previous_response_id": "resp_1",
        "size": "1024x1024",
    },
    {
        "budget_bytes": 1,
        "bytes_sent": 2,
        "input_images": 0,
        "images": [],
        "endpoint": "interactions",
        "previous_interaction_id": "v1_first",
    },
    {
        "endpoint": "/sdapi/v1/txt2img",
        "mode": "txt2img",
        "seed": 7,
        "width": 1024,
        "height": 1024,
        "input_images": 0,
    },
    {
        "endpoint": "/prompt",
        "mode": "img2img",
        "seed": 7,
        "width": 1344,
        "height": 768,
        "input_images": 1,
        "workflow": "built-in template",
    },
    {"provenance": {"file": "/tmp/a.png", "tool": "ComfyUI", "prompt": None, "seed": None}},
    {"endpoint": "batchGenerateContent"},
]
JUDGE = {
    "overall": 82,
    "attributes": {"hair": 90, "eyes": 75},
    "differences": "the clip is gone",
    "model": "vision-1",
    "profile": "vision",
    "judged_at": "2026-11-25T20:24:20+00:00",
    "checkpoint": "cp1",
    "image": "1ef6ad78049a",
}
LOCAL = {
    "version": 3,
    "backend": "local",
    "total": 97,
    "verdict": "consistent",
    "driver": "colour",
    "flags": [],
    "parts": {"colour": 0.893, "hue": 0.916, "palette": 1.0, "structure": 0.981, "texture": 0.991},
    "details": {
        "character_share": 0.107,
        "nearest_reference": "7913189655d7",
        "shape": 0.632,
        "palette_coverage": {"#FF8C00": 0.5089},
        "keep": [
            {
                "rule": "same orange pigtails",
                "colour": "orange",
                "zone": "top",
                "share": 0.56,
                "reference_share": 0.587,
            }
        ],
    },
    "image": "a4f8dcef4138",
    "computed_at": "2026-12-01T22:15:05+00:00",
}
SCORE = [
    {},
    LOCAL,
    dict(sorted(LOCAL.items())),
    {**LOCAL, "judge": JUDGE},
    {
        **LOCAL,
        "judge": {
            "overall": None,
            "attributes": {},
            "differences": "",
            "error": "no JSON",
            "raw": "It looks quite similar",
            "model": "m",
            "profile": "p",
            "judged_at": "t",
        },
    },
    {"judge": {"overall": 80}},
    {
        "version": 3,
        "total": None,
        "parts": {},
        "details": {},
        "error": "the image could not be analysed",
        "image": "ab12",
        "computed_at": "2026-12-01T22:15:05+00:00",
    },
    {
        "version": 3,
        "backend": "local",
        "total": None,
        "verdict": None,
        "driver": None,
        "flags": [],
        "parts": {},
        "details": {"character_share": 0.1},
        "note": "nothing to compare with",
    },
    {
        "version": 3,
        "backend": "learned",
        "total": 64,
        "verdict": "drifting",
        "driver": "embedding",
        "flags": ["keep 'orange hoodie': the hoodie is not orange"],
        "parts": {"embedding": 0.71},
        "details": {"nearest_reference": "ab", "model": "dinov2-small", "cosine": 0.7123},
    },
    {"version": 2, "total": 70, "parts": {"palette": 1}, "details": {}},
    {"version": 4, "total": 70, "parts": {"pose": 0.5}, "a_newer_key": {"x": [1, 2]}},
]
SERIES = [
    {"key": "k", "name": "s"},
    {"name": "five", "key": "ab12cd", "scene": 3},
    {"name": "five", "key": "ab12cd", "scene": 3, "mode": "interactive", "cost_usd": 0.039},
    {"name": "five", "key": "ab12cd", "scene": 3, "mode": "interactive", "cost_usd": None},
    {"name": "five", "key": "ab12cd", "scene": 3, "mode": "interactive", "cost_usd": 0},
    {"name": "b", "key": "k#2", "scene": 1, "mode": "batch", "cost_usd": 0.02, "batch": None, "token": "t"},
    {
        "batch": "batches/1",
        "cost_usd": 0.02,
        "key": "k",
        "mode": "batch",
        "name": "b",
        "scene": 2,
        "token": "t",
    },
]
SHAPES: list[tuple[type[Record], dict[str, Any]]] = [
    *((Usage, d) for d in USAGE),
    *((RequestInfo, d) for d in REQUEST),
    *((Score, d) for d in SCORE),
    *((SeriesMark, d) for d in SERIES),
]
FIELD = {Usage: "usage", RequestInfo: "request", Score: "score", SeriesMark: "series"}


def _text(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False)


@pytest.mark.parametrize(("model", "doc"), SHAPES)
def test_each_old_shape_loads_and_dumps_back_byte_identical(model: type[Record], doc: dict[str, Any]) -> None:
    made = model.of(json.loads(_text(doc)))  # as a producer built it: `send --json` prints it so
    assert _text(made.model_dump(mode="json")) == _text(doc)  # same keys, same order, same figures
    journalled = json.dumps(doc, ensure_ascii=False, sort_keys=True)  # as the journal holds it
    for read in (
        model.model_validate(json.loads(journalled)),
        model.model_validate_json(journalled, strict=True),
    ):
        assert read == made
        assert _text(read.model_dump(mode="json")) == journalled  # `show --json` prints it so
    # ... and inside a turn, through the journal's record, both ways of reading it
    data = {"index": 1, "prompt": "p", "status": "ok", FIELD[model]: doc}
    turn = Turn.model_validate(json.loads(_text(data)))
    assert json.dumps(turn_record(turn)[FIELD[model]], ensure_ascii=False, sort_keys=True) == journalled
    payload = json.dumps({"type": "turn", "data": turn_record(turn)}, sort_keys=True).encode()
    fast = fast_record(payload)
    assert isinstance(fast, Turn) and fast == turn
    _, migrated = migrate_record("turn", json.loads(payload)["data"])
    assert Turn.model_validate(migrated) == turn
    assert _text(turn_record(fast)[FIELD[model]]) == _text(
        turn_record(Turn.model_validate(migrated))[FIELD[model]]
    )


def test_the_models_read_by_attribute() -> None:
    score = Score.model_validate({**LOCAL, "judge": JUDGE})
    assert score.total == 97 and score.verdict == "consistent" and score.parts and score.parts["hue"] == 0.916
    assert isinstance(score.judge, JudgeVerdict) and score.judge.overall == 82
    mark = SeriesMark.model_validate(SERIES[-1])
    assert (mark.name, mark.key, mark.scene, mark.batch, mark.cost_usd) == ("b", "k", 2, "batches/1", 0.02)
    usage = Usage.model_validate(USAGE[3])
    assert (
        usage.promptTokenCount == 300 and usage.get("promptTokensDetails") == USAGE[3]["promptTokensDetails"]
    )
    assert RequestInfo.model_validate(REQUEST[3]).turns_sent == 3
    assert not Score() and not Usage() and Score.model_validate({"judge": {"overall": 1}})


def test_an_assigned_key_is_dumped_after_the_given_ones() -> None:
    mark = SeriesMark.of({"name": "b", "key": "k", "batch": None})
    mark.batch = "batches/9"
    mark.scene = 4
    assert _text(mark.model_dump(mode="json")) == _text(
        {"name": "b", "key": "k", "batch": "batches/9", "scene": 4}
    )


def test_a_service_value_of_the_wrong_type_costs_that_key_not_the_turn() -> None:
    usage = Usage.of({"prompt_tokens": [1], "other": 2, "input_tokens": 3})  # as the engine takes it
    assert _text(usage.model_dump(mode="json")) == _text({"other": 2, "input_tokens": 3})
    with pytest.raises(ValueError):  # a score is ours: a wrong one is refused, not trimmed
        Score.of({"total": "high"})


def test_saved_journals_read_their_records_unchanged() -> None:
    seen = 0
    for folder in SAVED:
        for journal in folder.glob("*/journal.jsonl"):
            for line in journal.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)["rec"]
                if rec["type"] != "turn":
                    continue
                _, data = migrate_record("turn", rec["data"])
                dumped = Turn.model_validate(data).model_dump(mode="json")  # whole, pending or not
                for key in FIELD.values():
                    if key in rec["data"]:
                        assert _text(dumped[key]) == _text(rec["data"][key]), (journal, key)
                        seen += 1
    assert seen > 20


def test_a_turn_made_now_round_trips(engine: Engine) -> None:
    from consistency_support import ORANGE

    engine.new_session("s", character=ORANGE)
    mark = {"name": "one", "key": "k1", "scene": 1, "mode": "interactive", "cost_usd": 0}
    made = engine.send("s", "standing", seed=1, series=mark)
    assert isinstance(made.score, Score) and isinstance(made.series, SeriesMark)
    assert isinstance(made.usage, Usage) and isinstance(made.request, RequestInfo)
    assert made.score.total is not None and made.series.key == "k1"
    loaded = engine.load("s").turns[0]
    assert loaded == made
    assert made.series is not None and _text(made.series.model_dump(mode="json")) == _text(mark)
    for key in FIELD.values():
        assert json.dumps(turn_record(loaded)[key], sort_keys=True) == json.dumps(
            turn_record(made)[key], sort_keys=True
        )
    shown = json.loads(run_cli("show", "s", "--json").out)["turns"][0]
    assert shown["series"] == mark and shown["score"]["total"] == made.score.total


def _sources() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SHOW_JSON / "sources.json").read_text())
    return doc


@pytest.mark.parametrize("name", list(_sources()))
def test_show_json_of_saved_sessions_is_what_it_was(name: str, home: Home) -> None:
    source = _sources()[name]
    folder = HERE.parent / source["from"] / name
    for file in ("session.json", "journal.jsonl"):
        if file in source and hashlib.sha256((folder / file).read_bytes()).hexdigest() != source[file]:
            assert source["from"] != "tests/fixtures/schema1", "the schema-1 fixtures never change"
            pytest.skip(f"{folder} was regenerated since the show --json fixture was captured")
    for other in {HERE.parent / s["from"] / n for n, s in _sources().items()}:
        shutil.copytree(other, home.root / other.name)
    run = run_cli("show", name, "--json")
    assert run.code == 0
    # The fixtures predate the cost of each turn and of the session (issue 14): set those aside,
    # then the rest must be byte for byte what it was.
    doc = json.loads(run.out)
    assert "usd" in doc.pop("cost") and all("usd" in turn.pop("cost") for turn in doc["turns"])
    out = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    assert out.replace(str(home.root), "HOME") == (SHOW_JSON / f"{name}.json").read_text(encoding="utf-8")
