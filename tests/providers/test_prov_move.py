"""Moving a lineage to another profile with reset/fork --provider: nothing minted by the old model
or service is replayed to the new one (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from fakeservice import KEY, KEY_ENV, FakeService, Reply, b64, make_engine, png, write_profiles

from session_tui.paths import Home

IMG1 = png((200, 40, 40), (36, 24))
IMG2 = png((40, 200, 40), (36, 24))
IMG3 = png((40, 40, 200), (36, 24))


def signed(image: bytes, signature: str) -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "Done.", "thoughtSignature": f"{signature}-text"},
                        {
                            "inlineData": {"mimeType": "image/png", "data": b64(image)},
                            "thoughtSignature": signature,
                        },
                    ],
                },
                "finishReason": "STOP",
            }
        ]
    }


def gemini_profile(service: FakeService, model: str, kind: str = "gemini") -> dict[str, Any]:
    return {"kind": kind, "base_url": service.url, "model": model, "api_key_env": KEY_ENV, "max_retries": 0}


@pytest.fixture
def two_geminis(home: Home, service: FakeService, key_env: str) -> Home:
    write_profiles(
        home.root,
        "pro",
        {
            "pro": gemini_profile(service, "gemini-3-pro-image"),
            "flash": gemini_profile(service, "gemini-3.1-flash-image"),
            "nano": gemini_profile(service, "gemini-2.5-flash-image"),
            "inter": gemini_profile(service, "gemini-3.1-flash-image", kind="gemini-interactions"),
        },
    )
    return home


def started(home: Home, service: FakeService) -> Any:
    """Session 'a' on Pro with two signed turns."""
    service.queue(Reply(body=signed(IMG1, "pro-one")), Reply(body=signed(IMG2, "pro-two")))
    engine = make_engine(home)
    engine.new_session("a", provider="pro")
    engine.send("a", "a fox on the beach")
    engine.send("a", "make the scarf blue")
    return engine


def test_a_fork_onto_another_gemini_model_carries_no_foreign_signature(
    two_geminis: Home, service: FakeService
) -> None:
    engine = started(two_geminis, service)
    # the same profile replays the signatures as received
    service.queue(Reply(body=signed(IMG3, "pro-three")))
    engine.send("a", "in the park")
    replayed = json.dumps(service.posts()[-1].json)
    assert "pro-two" in replayed and "pro-one" in replayed

    forked = engine.fork("a", turn=2, into="b", provider="flash")
    assert (forked.header.provider, forked.header.model) == ("flash", "gemini-3.1-flash-image")
    assert forked.header.parent is not None and forked.header.parent.moved_from == "pro"
    service.queue(Reply(body=signed(IMG3, "flash-one")))
    turn = engine.send("b", "in the snow")
    body = service.posts()[-1].json
    assert "thoughtSignature" not in json.dumps(body)  # bound to Pro: never sent to Flash
    contents = body["contents"]
    assert all(c["role"] in ("user", "model") for c in contents)
    last_user = contents[-1]["parts"]
    assert {
        "inline_data": {"mime_type": "image/png", "data": b64(IMG2)}
    } in last_user  # the newest picture, plain
    assert last_user[-1]["text"] == turn.prompt_sent
    assert "were made by" in turn.request.notice and "not sent to gemini-3.1-flash-image" in turn.reply_text
    # the new model's own turn is replayed with its own signature from then on
    service.queue(Reply(body=signed(IMG1, "flash-two")))
    engine.send("b", "at night")
    again = json.dumps(service.posts()[-1].json)
    assert "flash-one" in again and "pro-two" not in again and "pro-one" not in again


def test_a_fork_onto_the_interactions_api_starts_a_new_thread(
    two_geminis: Home, service: FakeService
) -> None:
    engine = started(two_geminis, service)
    engine.fork("a", turn=2, into="c", provider="inter")
    service.queue(
        Reply(
            body={
                "id": "v1_new",
                "status": "completed",
                "steps": [
                    {
                        "type": "model_output",
                        "content": [{"type": "image", "data": b64(IMG3), "mime_type": "image/png"}],
                    }
                ],
            }
        )
    )
    turn = engine.send("c", "in the snow")
    seen = service.posts()[-1]
    assert seen.path == "/v1beta/interactions"
    assert "previous_interaction_id" not in seen.json and "thoughtSignature" not in json.dumps(seen.json)
    assert seen.json["input"][1] == {"type": "image", "data": b64(IMG2), "mime_type": "image/png"}
    assert turn.provider_state["interaction_id"] == "v1_new"
    assert "no interaction to continue" in turn.reply_text


def test_a_reset_onto_nano_banana_keeps_what_it_can_and_says_what_changed(
    two_geminis: Home, service: FakeService
) -> None:
    # a seeded prototype drawn offline, promoted onto Nano Banana (fixed size: 2K becomes 1K)
    engine = make_engine(two_geminis)
    engine.new_session("proto", provider="offline", params=None)
    engine.send("proto", "a fox", seed=7, image_size="2K")
    cp = engine.approve("proto", label="keeper")
    session = engine.reset("proto", checkpoint=cp.id, into="nb", provider="nano")
    assert (session.header.provider, session.header.kind) == ("nano", "gemini")
    assert session.header.references[0].role == "promoted"
    service.queue(Reply(body=signed(IMG1, "nano-one")))
    engine.send("nb", "in the snow")
    body = service.posts()[-1].json
    assert body["generationConfig"]["imageConfig"] == {"aspectRatio": "1:1"}  # no size for a fixed-size model
    assert body["contents"][0]["parts"][0]["inline_data"]["mime_type"].startswith("image/")


def test_moving_adapts_parameters_the_new_model_lacks(two_geminis: Home, service: FakeService) -> None:
    from session_tui.domain.model import GenerationParams

    service.queue(Reply(body=signed(IMG1, "f1")))
    engine = make_engine(two_geminis)
    engine.new_session(
        "wide", provider="flash", params=GenerationParams(aspect_ratio="8:1", image_size="512")
    )
    engine.send("wide", "a long train")
    moved = engine.fork("wide", turn=1, into="wide-pro", provider="pro")
    assert (moved.header.params.aspect_ratio, moved.header.params.image_size) == ("21:9", "1K")
    assert any("does not offer aspect ratio 8:1" in w for w in moved.warnings)
    assert any("does not offer image size 512" in w for w in moved.warnings)


def test_reset_and_fork_take_provider_on_the_command_line(two_geminis: Home, service: FakeService) -> None:
    started(two_geminis, service)
    env = {**os.environ, KEY_ENV: KEY}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "session_tui", "--home", str(two_geminis.root), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    out = cli("fork", "a", "--turn", "2", "--into", "b", "--provider", "flash", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert (doc["provider"], doc["model"], doc["parent"]["moved_from"]) == (
        "flash",
        "gemini-3.1-flash-image",
        "pro",
    )
    assert cli("approve", "a", "--label", "best").returncode == 0
    out = cli("reset", "a", "--checkpoint", "best", "--into", "r", "--provider", "nano")
    assert out.returncode == 0, out.stderr
    shown = json.loads(cli("show", "r", "--json").stdout)
    assert (shown["provider"], shown["kind"], shown["model"]) == ("nano", "gemini", "gemini-2.5-flash-image")
    out = cli("fork", "a", "--turn", "2", "--into", "x", "--provider", "nope")
    assert out.returncode == 2 and "No provider profile named 'nope'" in out.stderr
