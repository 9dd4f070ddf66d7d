"""The online judge, against a real HTTP server on 127.0.0.1 that this test starts."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from consistency_support import ORANGE, cli, png, refused

from session_tui.config import Profile
from session_tui.engine import Engine, RefInput
from session_tui.providers.judge import attributes, judge_for, parse_verdict


class FakeJudge:
    """A chat-completions endpoint: records requests, answers with what the test sets."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.answer = (
            '{"overall": 82, "attributes": {"hair": 90, "eyes": 75}, "differences": "the bow is smaller"}'
        )
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
                )
                if fake.status != 200:
                    payload = {
                        "error": {
                            "message": "Incorrect API key provided",
                            "type": "invalid_request_error",
                            "code": "invalid_api_key",
                        }
                    }
                else:
                    payload = {
                        "id": "c1",
                        "object": "chat.completion",
                        "created": 1,
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": fake.answer},
                            }
                        ],
                    }
                data = json.dumps(payload).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture
def fake() -> Iterator[FakeJudge]:
    service = FakeJudge()
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()
    thread.join()


@pytest.fixture
def judged(
    engine: Engine, fake: FakeJudge, isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Engine:
    (isolated_home / "config.toml").write_text(
        f'[providers.vision]\nkind = "openai-chat"\nmodel = "some-image-model"\nbase_url = "{fake.url}"\n'
        f'api_key_env = "JUDGE_TEST_KEY"\njudge_model = "vision-1"\nmax_retries = 0\ntimeout_s = 30\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("JUDGE_TEST_KEY", "sk-test-judge")
    engine = Engine(engine.home)
    engine.new_session("s", character=ORANGE, refs=[RefInput(png(tmp_path / "front.png"), "front", "front")])
    engine.send("s", "standing", seed=1)
    engine.approve("s", label="one")
    engine.send("s", "in the snow", seed=2)
    engine.approve("s", label="two")
    return engine


def test_judge_sends_references_and_checkpoint_and_stores_the_verdict_beside_the_score(
    judged: Engine, fake: FakeJudge
) -> None:
    run = cli("judge", "s", "--profile", "vision", "--checkpoint", "one")
    assert run.code == 0, run.err
    assert "cp1 (one), turn 1: judge 82/100 (hair 90, eyes 75)" in run.out and "the bow is smaller" in run.out
    (request,) = fake.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test-judge"
    body = request["body"]
    assert body["model"] == "vision-1"
    content = body["messages"][0]["content"]
    images = [p["image_url"]["url"] for p in content if p["type"] == "image_url"]
    assert len(images) == 2 and all(
        u.startswith("data:image/") for u in images
    )  # one reference + the candidate
    text = " ".join(p["text"] for p in content if p["type"] == "text")
    assert "orange pigtails" in text and "same blush" in text and '"hair": 0-100' in text
    score = judged.load("s").turns[0].score
    assert score is not None and isinstance(score.total, int)  # the local score stays
    assert score.judge.overall == 82 and score.judge.model == "vision-1"
    assert score.judge.checkpoint == "cp1"
    assert judged.load("s").turns[1].score.judge is None  # only the checkpoint asked for


def test_judge_all_checkpoints_with_json_and_the_sessions_own_profile(
    judged: Engine, fake: FakeJudge
) -> None:
    judged.update_header("s", lambda h: setattr(h, "provider", "vision"))
    doc = json.loads(cli("judge", "s", "--json").out)
    assert [d["checkpoint"] for d in doc] == ["cp1", "cp2"] and len(fake.requests) == 2
    turns = json.loads(cli("show", "s", "--json").out)["turns"]
    assert [t["score"]["judge"]["overall"] for t in turns] == [82, 82]


def test_an_answer_that_is_not_json_is_stored_as_given(judged: Engine, fake: FakeJudge) -> None:
    fake.answer = "It looks quite similar, I would say 8 out of 10."
    run = cli("judge", "s", "--profile", "vision", "--checkpoint", "two")
    assert run.code == 0 and "did not answer with the JSON asked for" in run.out
    verdict = judged.load("s").turns[1].score.judge
    assert verdict.overall is None and verdict.raw.startswith("It looks quite similar")


def test_a_refused_key_is_one_sentence_and_nothing_is_stored(judged: Engine, fake: FakeJudge) -> None:
    fake.status = 401
    before = judged.load("s").turns[0].score
    err = refused(cli("judge", "s", "--profile", "vision"), code=4)
    assert "refused the API key" in err and "sk-test-judge" not in err
    assert judged.load("s").turns[0].score == before


def test_judge_refuses_what_it_cannot_do(
    judged: Engine, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "names no judge_model" in refused(cli("judge", "s"))  # the session's offline profile
    engine.new_session("empty")
    refused(cli("judge", "empty", "--profile", "vision"))
    refused(cli("judge", "s", "--profile", "nope"))
    monkeypatch.delenv("JUDGE_TEST_KEY")
    assert "No API key" in refused(cli("judge", "s", "--profile", "vision"))


def test_verdicts_are_parsed_leniently_but_never_invented() -> None:
    assert parse_verdict('```json\n{"overall": 140, "attributes": {"hair": -5, "x": "n/a"}}\n```') == {
        "overall": 100,
        "attributes": {"hair": 0},
        "differences": "",
    }
    assert parse_verdict('Sure! {"overall": 61.6} Hope this helps')["overall"] == 62
    assert parse_verdict('{"overall": "high"}')["overall"] is None
    assert parse_verdict("")["error"]


def test_the_judge_rates_the_specs_own_attributes_and_finds_gemini_s_openai_door() -> None:
    assert attributes(ORANGE) == ["hair", "eyes", "face", "outfit", "accessories", "colours"]
    gemini = judge_for(
        "g", Profile(kind="gemini", model="gemini-3-pro-image", judge_model="gemini-3-flash"), "c"
    )
    assert gemini.base_url == "https://generativelanguage.googleapis.com/v1beta/openai/"
    custom = judge_for("g", Profile(kind="gemini", model="m", judge_model="j", base_url="http://h:1"), "c")
    assert custom.base_url == "http://h:1/v1beta/openai/"
