"""`score NAME --image FILE`: pictures made elsewhere scored against a session, nothing stored (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from consistency_support import ORANGE, cli, png, refused
from PIL import Image

from session_tui.engine import Engine, RefInput

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "dreambench-train"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def scored(engine: Engine, tmp_path: Path) -> Engine:
    front = png(tmp_path / "front.png", colour=(255, 140, 0), size=(96, 96))
    engine.new_session("orange", character=ORANGE, refs=[RefInput(front, "front", "front")])
    return engine


def test_files_are_scored_with_verdict_and_flags_and_nothing_is_written(
    scored: Engine, tmp_path: Path
) -> None:
    folder = scored.session_dir("orange").path
    before = snapshot(folder)
    same = png(tmp_path / "same.png", colour=(255, 140, 0), size=(120, 80))
    jpeg = tmp_path / "other.jpg"
    Image.new("RGB", (90, 90), (20, 160, 60)).save(jpeg, format="JPEG")  # a photo format is accepted
    run = cli("score", "orange", "--image", str(same), "--image", str(jpeg), "--json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert [i["path"] for i in doc["images"]] == [str(same), str(jpeg)]
    for item in doc["images"]:
        score = item["score"]
        assert 0 <= score["total"] <= 100
        assert score["verdict"] in ("consistent", "drifting", "different")
        assert isinstance(score["parts"], dict) and isinstance(score["flags"], list)
    assert doc["images"][0]["score"]["total"] > doc["images"][1]["score"]["total"]
    assert snapshot(folder) == before  # no turn, no journal line, no cache entry


def test_a_keep_rule_colour_break_is_flagged_by_name(engine: Engine, tmp_path: Path) -> None:
    spec = ORANGE.model_copy(update={"keep": ["same orange hoodie"]})
    engine.new_session("keep", character=spec)  # no reference: the rule is checked against the spec
    blue = png(tmp_path / "blue.png", colour=(30, 60, 220))
    run = cli("score", "keep", "--image", str(blue), "--json")
    assert run.code == 0, run.err
    flags = json.loads(run.out)["images"][0]["score"]["flags"]
    assert any("same orange hoodie" in f and "orange" in f for f in flags), flags


def test_show_prints_the_verdict_beside_the_number(scored: Engine) -> None:
    scored.send("orange", "standing", seed=3)
    run = cli("show", "orange")
    assert run.code == 0, run.err
    (line,) = [x for x in run.out.splitlines() if x.strip().startswith("#1")]
    assert "/100" in line and any(v in line for v in ("consistent", "drifting", "different")), line


@pytest.mark.parametrize("case", ["missing", "not-an-image", "folder"])
def test_bad_files_are_one_sentence_and_nothing_is_written(scored: Engine, tmp_path: Path, case: str) -> None:
    folder = scored.session_dir("orange").path
    before = snapshot(folder)
    target = {"missing": tmp_path / "nope.png", "not-an-image": tmp_path / "t.png", "folder": tmp_path}[case]
    if case == "not-an-image":
        target.write_text("hello")
    refused(cli("score", "orange", "--image", str(target)))
    assert snapshot(folder) == before


def test_a_session_with_nothing_to_compare_with_is_refused(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("bare")
    err = refused(cli("score", "bare", "--image", str(png(tmp_path / "p.png"))))
    assert "neither references nor a palette" in err


def test_the_learned_backend_without_the_extra_is_one_sentence(
    scored: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_torch(name: str, *args: object, **kw: object) -> object:
        if name.split(".")[0] in ("torch", "transformers"):
            raise ImportError(name)
        return real_import(name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_torch)
    err = refused(cli("score", "orange", "--backend", "learned", "--image", str(png(tmp_path / "p.png"))))
    assert "vision" in err


@pytest.mark.skipif(not DATASET.is_dir(), reason="the DreamBench training photos are not beside the repo")
def test_real_photos_of_the_same_subject_score_above_another_subject(engine: Engine) -> None:
    engine.new_session("cat", refs=[RefInput(DATASET / "cat" / "00.jpg", "front", "front")])
    same = sorted((DATASET / "cat").glob("0[1-9].jpg"))[:2]
    other = sorted((DATASET / "clock").glob("0[1-9].jpg"))[:2]
    scores = engine.score_files("cat", [*same, *other])
    totals = [s["total"] for s in scores]
    assert min(totals[:2]) > max(totals[2:]), totals


def test_missing_redoes_scores_of_an_older_version(scored: Engine) -> None:
    from session_tui.scoring.score import SCORE_VERSION

    scored.send("orange", "standing", seed=3)
    scored.send("orange", "waving", seed=4)
    sd = scored.session_dir("orange")
    with sd.lock():
        old = sd.load().turn(1)
        old.score = {"version": 2, "total": 70, "parts": {"palette": 1.0}, "details": {}}
        sd.append_turn(old)
    done = scored.rescore("orange", missing_only=True)
    assert [t.index for t in done] == [1]  # turn 2's current score is left as it is
    assert scored.load("orange").turn(1).score.version == SCORE_VERSION
