"""A network answer is decoded once: the check that it is an image also hands the score its pixels."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fakeservice import KEY_ENV, FakeService, Reply, b64, make_engine, write_profile
from PIL import Image

import session_tui.engine.scores as scoring_session
from session_tui.domain.model import CharacterSpec
from session_tui.engine import RefInput
from session_tui.engine.scores import rescore
from session_tui.paths import Home
from session_tui.scoring.features import open_small


def picture(fmt: str) -> bytes:
    img = Image.radial_gradient("L").resize((512, 384)).convert("RGB")
    img.paste((255, 140, 0), (100, 100, 220, 260))
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_network_turn_is_scored_from_its_check_and_a_rescore_agrees(
    home: Home, service: FakeService, key_env: str, ref_png: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    write_profile(
        home.root,
        "router",
        kind="openai-chat",
        base_url=f"{service.url}/api/v1",
        model="google/gemini-3-pro-image",
        api_key_env=KEY_ENV,
        max_retries=0,
    )
    mime = f"image/{fmt.lower()}"
    service.queue(
        Reply(
            body={
                "id": "g",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {
                            "role": "assistant",
                            "content": "",
                            "images": [
                                {
                                    "type": "image_url",
                                    "image_url": {"url": f"data:{mime};base64,{b64(picture(fmt))}"},
                                }
                            ],
                        },
                    }
                ],
            }
        )
    )
    decoded: list[int] = []

    def counting(data: bytes) -> Any:
        decoded.append(len(data))
        return open_small(data)

    monkeypatch.setattr(scoring_session, "open_small", counting)
    engine = make_engine(home)
    engine.new_session(
        "c",
        character=CharacterSpec(palette=["#FF8C00", "#FFFFFF"]),
        refs=[RefInput(ref_png, "front", "front")],
    )
    turn = engine.send("c", "on the beach")
    assert turn.status == "ok" and decoded == []
    assert set(turn.score.parts) == {"colour", "hue", "texture", "structure", "palette"}
    (again,) = rescore(engine.session_dir("c"))
    assert len(decoded) == 1
    assert {**again.score.model_dump(), "computed_at": 0} == {**turn.score.model_dump(), "computed_at": 0}
