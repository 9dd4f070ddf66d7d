"""Capabilities per model family, overridable per profile, and what each family is sent (issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fakeservice import KEY, KEY_ENV, FakeService, Reply, b64, make_engine, png, write_profile

from session_tui.config import parse_config
from session_tui.domain.references import reference_advice
from session_tui.engine import RefInput
from session_tui.errors import ConfigError, InvalidInput
from session_tui.paths import Home
from session_tui.providers.catalog import check_free_size, free_size
from session_tui.providers.registry import create_provider

IMG = png((240, 120, 0))
GEMINI_OK = {
    "candidates": [
        {
            "content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": b64(IMG)}}]},
            "finishReason": "STOP",
        }
    ]
}
CHAT_OK = {
    "choices": [
        {
            "finish_reason": "stop",
            "message": {
                "role": "assistant",
                "content": "",
                "images": [{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(IMG)}"}}],
            },
        }
    ]
}
IMAGES_OK = {"created": 1, "data": [{"b64_json": b64(IMG)}]}


def profile(home: Home, service: FakeService, kind: str, model: str, **extra: Any) -> Home:
    base = service.url if kind.startswith("gemini") else f"{service.url}/v1"
    fields = {"kind": kind, "base_url": base, "model": model, "api_key_env": KEY_ENV, "max_retries": 0}
    write_profile(home.root, "p", **{**fields, **extra})
    return home


def caps(kind: str, model: str, **extra: Any) -> Any:
    config = parse_config({"providers": {"p": {"kind": kind, "model": model, **extra}}})
    return create_provider("p", config.providers["p"], Home(Path("/nonexistent"))).capabilities()


# -- the catalogue ---------------------------------------------------------------------------------
def test_each_family_has_its_own_lists() -> None:
    flash = caps("gemini", "gemini-3.1-flash-image")
    assert flash.family == "gemini-3.1-flash-image"
    assert flash.image_sizes == ("512", "1K", "2K", "4K")
    assert {"1:4", "4:1", "1:8", "8:1", "21:9"} <= set(flash.aspect_ratios)
    pro = caps("gemini", "gemini-3-pro-image")
    assert pro.image_sizes == ("1K", "2K", "4K") and "1:8" not in pro.aspect_ratios
    assert pro.max_references == 14
    nano = caps("openai-chat", "google/gemini-2.5-flash-image")
    assert nano.image_sizes == ("1K",) and nano.good_references == 3
    gpt2 = caps("openai-images", "gpt-image-2")
    assert (
        gpt2.image_sizes == ("1K", "2K", "4K")
        and "16:9" in gpt2.aspect_ratios
        and "1:4" not in gpt2.aspect_ratios
    )
    gpt15 = caps("openai-images", "gpt-image-1.5")
    assert gpt15.aspect_ratios == ("1:1", "3:2", "2:3") and gpt15.image_sizes == ("1K",)
    assert not any(c.seed_honoured for c in (flash, pro, nano, gpt2, gpt15))


def test_nano_banana_advice_says_at_most_three_references() -> None:
    from session_tui.domain.model import ReferenceImage

    refs = [ReferenceImage(sha256=f"{i:064x}", role="other") for i in range(4)]
    advice = reference_advice(
        refs, "gemini-2.5-flash-image", caps("gemini", "gemini-2.5-flash-image").good_references
    )
    assert any("up to 3" in line for line in advice)


def test_a_profile_overrides_the_family() -> None:
    c = caps(
        "gemini",
        "gemini-4-image-preview",  # not in the catalogue yet
        family="gemini-3.1-flash-image",
        image_sizes=["1K", "2K"],
        max_references=6,
        seed_honoured=True,
    )
    assert c.family == "gemini-3.1-flash-image" and c.image_sizes == ("1K", "2K")
    assert "8:1" in c.aspect_ratios and c.max_references == 6 and c.seed_honoured
    # a kind with no seed field cannot honour one, whatever the profile says
    assert not caps("openai-images", "gpt-image-2", seed_honoured=True).seed_honoured


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"family": "gemini-3.1-flash"}, "did you mean 'gemini-3.1-flash-image'"),
        ({"aspect_ratios": ["16:10"]}, "'16:10' is not one of"),
        ({"image_sizes": ["1k"]}, "'1k' is not one of"),
        ({"image_sizes": []}, "is empty"),
        ({"tool_options": {"quality": "high"}}, "applies to kind openai-responses only"),
        ({"modalities": ["image"]}, "applies to kind openai-chat only"),
    ],
)
def test_bad_overrides_are_refused_with_the_key(extra: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError, match=r"providers\.p\.") as info:
        parse_config({"providers": {"p": {"kind": "gemini", "model": "m", **extra}}})
    assert needle in info.value.message


# -- Gemini 3.1 Flash Image ------------------------------------------------------------------------
def test_flash_image_sends_512_and_the_tall_ratios_natively(
    home: Home, service: FakeService, key_env: str
) -> None:
    service.queue(Reply(body=GEMINI_OK))
    engine = make_engine(profile(home, service, "gemini", "gemini-3.1-flash-image"))
    engine.new_session("s")
    engine.send("s", "a lighthouse", aspect_ratio="1:8", image_size="512")
    config = service.posts()[0].json["generationConfig"]["imageConfig"]
    assert config == {"aspectRatio": "1:8", "imageSize": "512"}


def test_pro_refuses_the_flash_only_parameters_before_sending(
    home: Home, service: FakeService, key_env: str
) -> None:
    engine = make_engine(profile(home, service, "gemini", "gemini-3-pro-image"))
    engine.new_session("s")
    with pytest.raises(InvalidInput, match="does not offer aspect ratio 1:8"):
        engine.send("s", "a lighthouse", aspect_ratio="1:8")
    with pytest.raises(InvalidInput, match="does not offer image size 512"):
        engine.send("s", "a lighthouse", image_size="512")
    assert service.requests == []


def test_openrouter_spells_512_as_half_a_k(home: Home, service: FakeService, key_env: str) -> None:
    service.queue(Reply(body=CHAT_OK))
    engine = make_engine(profile(home, service, "openai-chat", "google/gemini-3.1-flash-image"))
    engine.new_session("s")
    engine.send("s", "a lighthouse", aspect_ratio="4:1", image_size="512")
    body = service.posts()[0].json
    assert body["image_config"] == {"aspect_ratio": "4:1", "image_size": "0.5K"}
    assert "512" not in json.dumps(body["image_config"])
    assert body["modalities"] == ["image", "text"]


# -- image-only models on OpenRouter ---------------------------------------------------------------
def test_image_only_models_ask_for_image_alone(home: Home, service: FakeService, key_env: str) -> None:
    service.queue(Reply(body=CHAT_OK), Reply(body=CHAT_OK))
    engine = make_engine(profile(home, service, "openai-chat", "black-forest-labs/flux.2-pro"))
    engine.new_session("s")
    engine.send("s", "a lighthouse")
    assert service.posts()[0].json["modalities"] == ["image"]  # from the catalogue
    engine = make_engine(
        profile(home, service, "openai-chat", "someone/new-image-model", modalities=["image"])
    )
    engine.new_session("t")
    engine.send("t", "a lighthouse")
    assert service.posts()[1].json["modalities"] == ["image"]  # from the profile


# -- GPT Image 2 -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ratio", "size", "expected"),
    [
        ("16:9", "4K", "3840x2160"),
        ("1:1", "4K", "2880x2880"),
        ("1:1", "1K", "1024x1024"),
        ("9:16", "2K", "1536x2720"),
        ("21:9", "1K", "1552x656"),
        ("21:9", "4K", "3824x1632"),
    ],
)
def test_gpt_image_2_sizes_follow_the_ratio_and_the_limits(ratio: str, size: str, expected: str) -> None:
    assert free_size(ratio, size) == expected
    assert check_free_size(expected) is None


def test_every_offered_gpt_image_2_size_is_valid() -> None:
    c = caps("openai-images", "gpt-image-2")
    for ratio in c.aspect_ratios:
        for size in c.image_sizes:
            chosen = free_size(ratio, size)
            assert check_free_size(chosen) is None, (ratio, size, chosen)
            w, h = (int(v) for v in chosen.split("x"))
            rw, rh = (int(v) for v in ratio.split(":"))
            assert abs(w / h - rw / rh) / (rw / rh) < 0.03, (ratio, chosen)


def test_gpt_image_2_request_carries_the_mapped_size(home: Home, service: FakeService, key_env: str) -> None:
    service.queue(Reply(body=IMAGES_OK))
    engine = make_engine(profile(home, service, "openai-images", "gpt-image-2"))
    engine.new_session("s")
    turn = engine.send("s", "a lighthouse", aspect_ratio="16:9", image_size="4K")
    seen = service.posts()[0]
    assert seen.path == "/v1/images/generations"
    assert seen.json["size"] == "3840x2160" and check_free_size(seen.json["size"]) is None
    assert "response_format" not in seen.json
    assert turn.request.size == "3840x2160" and turn.provider_state["size"] == "3840x2160"


def test_gpt_image_1_keeps_its_three_sizes(home: Home, service: FakeService, key_env: str) -> None:
    service.queue(Reply(body=IMAGES_OK))
    engine = make_engine(profile(home, service, "openai-images", "gpt-image-1.5"))
    engine.new_session("s")
    with pytest.raises(InvalidInput, match="does not offer aspect ratio 16:9"):
        engine.send("s", "a lighthouse", aspect_ratio="16:9")
    engine.send("s", "a lighthouse", aspect_ratio="3:2")
    assert service.posts()[0].json["size"] == "1536x1024"


# -- the Responses API's image tool ----------------------------------------------------------------
def test_tool_options_go_into_the_image_tool_and_extra_body_stays_on_top(
    home: Home, service: FakeService, key_env: str, ref_png: Path
) -> None:
    answer = {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-5",
        "output": [
            {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": b64(IMG)}
        ],
    }
    service.queue(Reply(body=answer))
    tool_options = {
        "model": "gpt-image-2",
        "quality": "high",
        "input_fidelity": "high",
        "background": "transparent",
        "output_format": "webp",
        "partial_images": 2,
        "moderation": "low",
    }
    engine = make_engine(
        profile(
            home,
            service,
            "openai-responses",
            "gpt-5",
            tool_options=tool_options,
            extra_body={"service_tier": "flex"},
        )
    )
    engine.new_session("s", refs=[RefInput(ref_png)])
    turn = engine.send("s", "a lighthouse", aspect_ratio="16:9", image_size="2K")
    body = service.posts()[0].json
    assert body["tools"] == [{"type": "image_generation", "size": "2720x1536", **tool_options}]
    assert body["service_tier"] == "flex" and "quality" not in body
    assert turn.request.size == "2720x1536"


# -- session-tui providers -------------------------------------------------------------------------
def test_providers_lists_the_new_kind_and_each_family(home: Home) -> None:
    (home.root / "config.toml").write_text(
        'default_provider = "nb2"\n\n'
        '[providers.nb2]\nkind = "gemini-interactions"\nmodel = "gemini-3.1-flash-image"\n\n'
        '[providers.gpt2]\nkind = "openai-images"\nmodel = "gpt-image-2"\n'
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "session_tui", "--home", str(home.root), "providers", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**__import__("os").environ, KEY_ENV: KEY},
        )

    out = run()
    assert out.returncode == 0, out.stderr
    assert "nb2  gemini-interactions  gemini-3.1-flash-image" in out.stdout
    assert "family gemini-3.1-flash-image:" in out.stdout and "sizes 512 1K 2K 4K" in out.stdout
    assert "family gpt-image-2:" in out.stdout
    assert "gemini-interactions" in out.stdout.splitlines()[-1]  # the kinds there are
    docs = {d["name"]: d for d in json.loads(run("--json").stdout)}
    assert docs["nb2"]["capabilities"]["family"] == "gemini-3.1-flash-image"
    assert "8:1" in docs["nb2"]["capabilities"]["aspect_ratios"]
    assert docs["gpt2"]["capabilities"]["image_sizes"] == ["1K", "2K", "4K"]
