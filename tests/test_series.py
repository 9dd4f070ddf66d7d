"""Series: one character in many scenes, each its own fresh turn; interrupted, it resumes on re-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from consistency_support import ORANGE, cli, refused

import session_tui.engine
from session_tui.config import Config, Profile
from session_tui.engine import Engine
from session_tui.engine.series import SeriesStopped, done_keys, load_scenes, run_series
from session_tui.errors import InvalidInput, ProviderError
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult
from session_tui.providers.offline import OfflineProvider

FIVE = (
    "# Little Orange in five scenes\non the beach\nin the office\n\nin the kitchen\nin the snow\nat night\n"
)


class Flaky(OfflineProvider):
    """The offline renderer, but it fails (or is interrupted) on chosen scenes and records what it is sent."""

    def __init__(self, name: str, profile: Profile, home: Home, log: dict[str, list]) -> None:
        super().__init__(name, profile, home)
        self.log = log

    def capabilities(self) -> Capabilities:
        caps = super().capabilities()
        return Capabilities(**{**caps.__dict__, "aspect_ratios": ("1:1", "4:3", "16:9")})

    def generate(self, request: GenerationRequest) -> GenerationResult:
        self.log["sent"].append((request.typed, request.prompt, len(request.history)))
        if request.typed in self.log["fail"]:
            raise ProviderError("The service is overloaded (503); try again later.", retryable=True)
        if request.typed in self.log["interrupt"]:
            raise KeyboardInterrupt
        return super().generate(request)


@pytest.fixture
def log() -> dict[str, list]:
    return {"sent": [], "fail": [], "interrupt": []}


@pytest.fixture
def flaky_engine(home: Home, log: dict[str, list], monkeypatch: pytest.MonkeyPatch) -> Engine:
    def factory(config: Config, name: str | None, h: Home) -> Flaky:
        return Flaky(name or "offline", Profile(kind="offline"), h, log)

    class FlakyEngine(Engine):
        def __init__(self, h: Home, config: Config | None = None, provider_factory: object = None) -> None:
            super().__init__(h, config, factory)

    # The CLI builds its own Engine (imported when first needed); give it the flaky provider too.
    monkeypatch.setattr(session_tui.engine, "Engine", FlakyEngine)
    engine = Engine(home, provider_factory=factory)
    engine.new_session("orange", character=ORANGE)
    return engine


def scenes_file(tmp_path: Path, text: str = FIVE, name: str = "five.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def ok_turns(engine: Engine) -> list:
    return [t for t in engine.load("orange").turns if t.status == "ok"]


def test_a_line_file_has_one_scene_per_line_without_comments_or_blanks(tmp_path: Path) -> None:
    scenes = load_scenes(scenes_file(tmp_path, FIVE + "on the beach\n"))
    assert [s.prompt for s in scenes] == [
        "on the beach",
        "in the office",
        "in the kitchen",
        "in the snow",
        "at night",
        "on the beach",
    ]
    assert [s.number for s in scenes] == [1, 2, 3, 4, 5, 6]
    assert len({s.key for s in scenes}) == 6  # the same scene twice is asked for twice
    assert scenes[5].key == scenes[0].key + "#2"


def test_a_toml_file_has_defaults_and_per_scene_parameters(tmp_path: Path) -> None:
    path = scenes_file(
        tmp_path,
        '[defaults]\naspect_ratio = "4:3"\n\n[[scenes]]\nid = "beach"\nprompt = "beach"\n'
        'seed = 7\n\n[[scenes]]\nprompt = "snow"\naspect_ratio = "16:9"\n',
        "s.toml",
    )
    beach, snow = load_scenes(path)
    assert (beach.params, beach.key) == ({"aspect_ratio": "4:3", "seed": 7}, "id:beach")
    assert snow.params == {"aspect_ratio": "16:9"}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[[scenes]]\nprompt = "a"\nsede = 1\n', "unknown key 'sede' (did you mean 'seed'?)"),
        ('[[scenes]]\nprompt = "a"\nimage_size = "2k"\n', "scene 1: Image size '2k' must use an uppercase K"),
        ("[[scenes]]\nseed = 1\n", "scene 1 has no prompt"),
        ('[[scenes]]\nid = "a"\nprompt = "x"\n[[scenes]]\nid = "a"\nprompt = "y"\n', "id 'a' is used twice"),
        ("[default]\n", "unknown key 'default' (did you mean 'defaults'?)"),
        ("", "has no scenes"),
    ],
)
def test_bad_scene_files_are_refused(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(InvalidInput) as info:
        load_scenes(scenes_file(tmp_path, text, "bad.toml"))
    assert needle in info.value.message


def test_every_scene_is_its_own_fresh_turn_with_the_same_references_and_spec(
    flaky_engine: Engine, log: dict[str, list], tmp_path: Path
) -> None:
    result = run_series(flaky_engine, "orange", load_scenes(scenes_file(tmp_path)), series="five")
    assert len(result.rendered) == 5 and not result.skipped and not result.failed
    turns = ok_turns(flaky_engine)
    assert [t.series.scene for t in turns] == [1, 2, 3, 4, 5]
    assert all(t.series.name == "five" for t in turns)
    # Fresh pictures: no history replayed, and the prompt is the first-turn kind, not an edit.
    assert [history for _, _, history in log["sent"]] == [0, 0, 0, 0, 0]
    assert all(
        t.prompt_sent.startswith("Character: Little Orange.") and t.prompt_sent.endswith(f"Scene: {t.prompt}")
        for t in turns
    )
    assert all(t.score and t.score.total is not None for t in turns)


def test_interrupted_halfway_then_resumed_it_skips_what_is_done(
    flaky_engine: Engine, log: dict[str, list], tmp_path: Path
) -> None:
    scenes = load_scenes(scenes_file(tmp_path))
    log["fail"].append("in the kitchen")
    with pytest.raises(SeriesStopped) as info:
        run_series(flaky_engine, "orange", scenes, series="five")
    assert (
        "Scene 3 ('in the kitchen') failed" in info.value.message
        and "run the same command again" in info.value.message
    )
    assert info.value.exit_code == 4
    session = flaky_engine.load("orange")
    assert [(t.prompt, t.status) for t in session.turns] == [
        ("on the beach", "ok"),
        ("in the office", "ok"),
        ("in the kitchen", "failed"),
    ]

    log["fail"].clear()
    log["sent"].clear()
    result = run_series(flaky_engine, "orange", scenes, series="five")
    assert [s.number for s, _ in result.skipped] == [1, 2]
    assert [s.number for s, _ in result.rendered] == [3, 4, 5]
    assert [typed for typed, _, _ in log["sent"]] == ["in the kitchen", "in the snow", "at night"]
    done = done_keys(flaky_engine.load("orange"))
    assert sorted(done) == sorted(s.key for s in scenes)  # every scene done exactly once

    # A third run has nothing left to draw.
    assert not run_series(flaky_engine, "orange", scenes, series="five").rendered


def test_keep_going_carries_on_past_a_failed_scene(
    flaky_engine: Engine, log: dict[str, list], tmp_path: Path
) -> None:
    log["fail"].append("in the office")
    result = run_series(
        flaky_engine, "orange", load_scenes(scenes_file(tmp_path)), series="five", keep_going=True
    )
    assert [s.number for s, _ in result.failed] == [2]
    assert [s.number for s, _ in result.rendered] == [1, 3, 4, 5]


def test_a_scene_the_provider_cannot_draw_is_refused_before_anything_is_sent(
    flaky_engine: Engine, log: dict[str, list], tmp_path: Path
) -> None:
    path = scenes_file(
        tmp_path, '[[scenes]]\nprompt = "a"\n[[scenes]]\nprompt = "b"\naspect_ratio = "9:16"\n', "s.toml"
    )
    with pytest.raises(InvalidInput, match=r"Scene 2 .* does not offer aspect ratio 9:16"):
        run_series(flaky_engine, "orange", load_scenes(path), series="s")
    assert log["sent"] == [] and flaky_engine.load("orange").turns == []


def test_redo_draws_every_scene_again(flaky_engine: Engine, tmp_path: Path) -> None:
    scenes = load_scenes(scenes_file(tmp_path, "beach\nsnow\n"))
    run_series(flaky_engine, "orange", scenes, series="s")
    assert len(run_series(flaky_engine, "orange", scenes, series="s", redo=True).rendered) == 2
    assert len(ok_turns(flaky_engine)) == 4


def test_the_cli_shows_progress_on_stderr_and_a_summary_on_stdout(
    flaky_engine: Engine, log: dict[str, list], tmp_path: Path
) -> None:
    path = scenes_file(tmp_path)
    log["fail"].append("in the kitchen")
    run = cli("series", "orange", "--scenes", str(path))
    assert run.code == 4 and run.out == ""
    assert "[1/5] done: on the beach (turn 1)" in run.err and "[3/5] failed: in the kitchen" in run.err
    assert "run the same command again" in run.err.splitlines()[-1]

    log["fail"].clear()
    run = cli("series", "orange", "--scenes", str(path))
    assert run.code == 0, run.err
    assert "[1/5] already done: on the beach" in run.err and "[5/5] done: at night" in run.err
    assert "3 drawn, 2 already done" in run.out

    doc = json.loads(cli("series", "orange", "--scenes", str(path), "--json").out)
    assert doc["rendered"] == [] and [s["scene"] for s in doc["skipped"]] == [1, 2, 3, 4, 5]
    shown = json.loads(cli("show", "orange", "--json").out)["turns"]
    assert [t["series"]["scene"] if t["series"] else None for t in shown] == [1, 2, 3, 3, 4, 5]


def test_ctrl_c_keeps_what_is_drawn_and_a_rerun_continues(
    flaky_engine: Engine, log: dict[str, list], tmp_path: Path
) -> None:
    path = scenes_file(tmp_path)
    log["interrupt"].append("in the snow")
    run = cli("series", "orange", "--scenes", str(path))
    assert run.code == 130 and "Run the same command again" in run.err
    assert [t.status for t in flaky_engine.load("orange").turns] == ["ok", "ok", "ok", "cancelled"]
    log["interrupt"].clear()
    run = cli("series", "orange", "--scenes", str(path), "--approve")
    assert run.code == 0 and "2 drawn, 3 already done" in run.out
    assert [cp.label for cp in flaky_engine.load("orange").checkpoints] == ["five-4", "five-5"]


def test_the_cli_refuses_a_missing_scenes_file_and_an_unknown_session(
    flaky_engine: Engine, tmp_path: Path
) -> None:
    refused(cli("series", "orange", "--scenes", str(tmp_path / "nope.txt")))
    refused(cli("series", "nope", "--scenes", str(scenes_file(tmp_path))), code=1)
