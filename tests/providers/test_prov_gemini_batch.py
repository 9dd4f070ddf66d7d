"""Series at scale against a loopback Gemini: concurrent jobs, the shared 429 back-off, Batch Mode."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_fake import BatchFake
from fakeservice import KEY_ENV, make_engine, write_profile

from session_tui.cli.main import main
from session_tui.engine import Engine
from session_tui.engine.series import load_scenes, run_series
from session_tui.engine.series_batch import batch_status, cancel_batch, client_for, run_batch
from session_tui.paths import Home
from session_tui.providers.gemini_batch import GeminiBatch


@pytest.fixture
def fake() -> Iterator[BatchFake]:
    svc = BatchFake().start()
    yield svc
    svc.stop()


@pytest.fixture
def eng(home: Home, fake: BatchFake, key_env: str) -> Engine:
    write_profile(
        home.root,
        "nbp",
        kind="gemini",
        base_url=fake.url,
        model="gemini-3-pro-image",
        api_key_env=KEY_ENV,
        max_retries=0,
    )
    engine = make_engine(home)
    engine.new_session("orange")
    return engine


def scenes(tmp_path: Path, n: int, fail: tuple[int, ...] = ()) -> Path:
    path = tmp_path / "street.txt"
    path.write_text("".join(f"scene {i}{' FAIL' if i in fail else ''}\n" for i in range(1, n + 1)))
    return path


def by_scene(engine: Engine) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for t in engine.load("orange").turns:
        out.setdefault(t.series.scene, []).append(t.status)
    return out


def test_jobs_overlap_their_requests_and_each_scene_is_one_turn(
    eng: Engine, fake: BatchFake, tmp_path: Path
) -> None:
    fake.latency_s = 0.15
    result = run_series(eng, "orange", load_scenes(scenes(tmp_path, 8)), series="street", jobs=4)
    assert len(result.rendered) == 8 and not result.failed
    assert 2 <= fake.peak_in_flight <= 4  # the requests overlapped: the lock was not held meanwhile
    assert by_scene(eng) == {i: ["ok"] for i in range(1, 9)}
    turns = eng.load("orange").turns
    assert sorted(t.index for t in turns) == list(range(1, 9))
    assert all(t.score is not None and t.series.cost_usd > 0 for t in turns)
    assert result.cost_usd == pytest.approx(sum(t.series.cost_usd for t in turns))


def test_a_429_is_waited_out_once_for_every_job_and_is_no_failure(
    eng: Engine, fake: BatchFake, tmp_path: Path
) -> None:
    fake.latency_s, fake.limit, fake.retry_delay = 0.15, 2, "0.3s"
    # One burst of 429s (the four jobs' first requests): a later probe upward meeting the limit
    # again would be a second, rightful back-off, and would make the count depend on timing.
    fake.limited_first = 4
    result = run_series(eng, "orange", load_scenes(scenes(tmp_path, 8)), series="street", jobs=4)
    assert len(result.rendered) == 8 and not result.failed
    assert fake.rate_limited >= 1 and result.stats is not None
    assert result.stats.rate_limited == fake.rate_limited
    assert result.stats.backoffs < result.stats.rate_limited or result.stats.backoffs == 1
    assert result.stats.waited_s >= 0.3  # RetryInfo's delay, read from the body (no Retry-After)
    assert by_scene(eng) == {i: ["ok"] for i in range(1, 9)}  # no failed turn for a 429


def test_ctrl_c_cancels_the_scenes_in_flight_and_a_rerun_resumes(
    eng: Engine, fake: BatchFake, tmp_path: Path
) -> None:
    fake.latency_s = 1.5
    cancel = threading.Event()
    threading.Timer(0.4, cancel.set).start()
    with pytest.raises(KeyboardInterrupt):
        run_series(eng, "orange", load_scenes(scenes(tmp_path, 6)), series="street", jobs=3, cancel=cancel)
    statuses = [t.status for t in eng.load("orange").turns]
    assert statuses == ["cancelled"] * 3  # three in flight, none started after
    fake.latency_s = 0.0
    result = run_series(eng, "orange", load_scenes(scenes(tmp_path, 6)), series="street", jobs=3)
    assert len(result.rendered) == 6


def test_max_cost_stops_before_the_scene_that_would_pass_it(
    eng: Engine, fake: BatchFake, tmp_path: Path
) -> None:
    result = run_series(
        eng, "orange", load_scenes(scenes(tmp_path, 5)), series="s", jobs=1, max_cost_usd=0.30
    )
    assert len(result.rendered) == 2 and [s.number for s in result.over_budget] == [3, 4, 5]


def test_a_batch_is_one_submission_and_its_answers_become_turns(
    eng: Engine, fake: BatchFake, tmp_path: Path
) -> None:
    outcome = run_batch(
        eng, "orange", load_scenes(scenes(tmp_path, 4, fail=(3,))), series="street", poll_s=0.01
    )
    assert len(fake.submissions) == 1 and not fake.submissions[0].from_file
    assert outcome.submitted and outcome.state == "SUCCEEDED"
    assert [n for n, _ in outcome.rendered] == [1, 2, 4]
    assert outcome.failed[0][0] == 3 and "The scene was refused" in outcome.failed[0][1]
    assert by_scene(eng) == {1: ["ok"], 2: ["ok"], 3: ["failed"], 4: ["ok"]}
    turn = outcome.rendered[0][1]
    assert turn.score is not None and turn.series.mode == "batch" and turn.series.batch == "batches/1"
    assert eng.approve("orange", turn=turn.index).turn == turn.index  # approvable like any other


def test_killed_while_waiting_the_rerun_resumes_the_same_batch(
    eng: Engine, fake: BatchFake, home: Home, tmp_path: Path
) -> None:
    fake.polls_to_finish = 3
    path = scenes(tmp_path, 5)
    first = run_batch(eng, "orange", load_scenes(path), series="street", wait=False)
    assert first.submitted and first.waiting == 5
    assert [t.series.batch for t in eng.load("orange").turns] == ["batches/1"] * 5
    fresh = make_engine(home)  # a new process: nothing of the first one's state is left
    again = run_batch(fresh, "orange", load_scenes(path), series="street", poll_s=0.01)
    assert not again.submitted and len(fake.submissions) == 1
    assert by_scene(fresh) == {i: ["ok"] for i in range(1, 6)}  # no duplicate turns
    third = run_batch(fresh, "orange", load_scenes(path), series="street", poll_s=0.01)
    assert third.batch == "" and len(fake.submissions) == 1  # everything done: nothing submitted


def test_cancel_leaves_the_scenes_to_draw_and_status_does_not_wait(
    eng: Engine, fake: BatchFake, tmp_path: Path
) -> None:
    fake.polls_to_finish = 100
    path = scenes(tmp_path, 3)
    run_batch(eng, "orange", load_scenes(path), series="street", wait=False)
    job = batch_status(eng, "orange", "street")
    assert job is not None and job.state == "RUNNING" and job.requests == 3
    outcome = cancel_batch(eng, "orange", "street")
    assert outcome is not None and outcome.state == "CANCELLED" and outcome.left == [1, 2, 3]
    assert fake.cancels == 1 and batch_status(eng, "orange", "street") is None
    assert all("cancelled before this scene was drawn" in t.error for t in eng.load("orange").turns)
    fake.polls_to_finish = 1
    again = run_batch(eng, "orange", load_scenes(path), series="street", poll_s=0.01)
    assert again.submitted and len(again.rendered) == 3 and len(fake.submissions) == 2


def test_an_expired_batch_says_so_and_leaves_its_scenes_pending(
    eng: Engine, fake: BatchFake, tmp_path: Path
) -> None:
    fake.expire = True
    outcome = run_batch(eng, "orange", load_scenes(scenes(tmp_path, 2)), series="street", poll_s=0.01)
    assert outcome.state == "EXPIRED" and outcome.left == [1, 2] and not outcome.rendered


def test_requests_over_the_inline_limit_go_as_an_uploaded_jsonl_file(
    eng: Engine, fake: BatchFake, tmp_path: Path
) -> None:
    client = client_for(eng, "orange")
    small = GeminiBatch(client.provider, inline_limit_bytes=100)
    outcome = run_batch(
        eng, "orange", load_scenes(scenes(tmp_path, 3)), series="s", poll_s=0.01, client=small
    )
    assert fake.submissions[0].from_file and len(fake.submissions[0].requests) == 3
    assert [n for n, _ in outcome.rendered] == [1, 2, 3]


def test_the_cli_dry_run_batch_status_and_show_json(
    eng: Engine, fake: BatchFake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(scenes(tmp_path, 4))
    assert main(["series", "orange", "--scenes", path, "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["requests"] == 4 and plan["cost_usd"]["batch"] == pytest.approx(
        plan["cost_usd"]["interactive"] / 2
    )
    assert fake.generated == 0 and not fake.submissions and eng.load("orange").turns == []
    assert main(["series", "orange", "--scenes", path, "--status"]) == 1
    assert "no batch job" in capsys.readouterr().err
    assert main(["series", "orange", "--scenes", path, "--batch", "--poll", "0.01"]) == 0
    assert "4 drawn, 0 failed" in capsys.readouterr().out
    assert main(["show", "orange", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["turns"]
    assert [t["series"]["scene"] for t in shown] == [1, 2, 3, 4]
    assert all(t["series"]["cost_usd"] > 0 for t in shown)


def test_batch_is_refused_for_a_kind_without_a_batch_engine(home: Home, tmp_path: Path) -> None:
    engine = Engine(home)
    engine.new_session("orange")
    with pytest.raises(Exception, match="has no batch engine"):
        run_batch(engine, "orange", load_scenes(scenes(tmp_path, 1)), series="s")
    assert engine.load("orange").turns == []
