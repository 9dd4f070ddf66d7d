"""The embedded default: an offline renderer that draws the character with Pillow.

It is not an AI model and never claims to be one. It exists so the whole workflow (turns,
checkpoints, reset by promotion, export) runs with no key and no network, and so tests are exact:
the same seed and input always give the same bytes.
"""

from __future__ import annotations

import io
import json
import secrets
from dataclasses import asdict

from PIL import Image, PngImagePlugin

from session_tui.media.images import small_copy
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, InputImage, Provider
from session_tui.providers.offline_art import render
from session_tui.providers.offline_scenes import has_sky
from session_tui.providers.offline_vocab import SCENE_TITLES
from session_tui.providers.offline_words import Look, apply_prompt, look_from_spec, not_drawn, read

LOOK_CHUNK = "session-tui-look"


def describe(look: Look, typed: str, seed: int) -> str:
    """The reply: what the picture shows, and what the prompt asked for that it does not."""
    place = SCENE_TITLES.get(look.scene, look.scene)
    if look.light == "sunset" and has_sky(look.scene):
        place += " at sunset"
    with_ = f" with {', '.join(look.props)}" if look.props else ""
    named = {kind for _, _, kind in read(typed).accessories}
    worn = [k.replace("_", " ") for k in look.accessories if k in named]
    wearing = f", wearing {', '.join(worn)}" if worn else ""
    text = f"Drawn offline (not an AI model): the {place}{with_}{wearing} (seed {seed})."
    missing = not_drawn(look, typed)
    if missing:
        text += f" Not drawn: {', '.join(missing)}."
    return text


def _look_from_image(image: InputImage) -> Look | None:
    """A reference drawn by this renderer carries its look, so a promoted image keeps the character."""
    try:
        with Image.open(io.BytesIO(image.data)) as img:
            raw = img.info.get(LOOK_CHUNK) if img.format == "PNG" else None
        if not raw:
            return None
        data = json.loads(raw)
        data["accessories"] = {k: tuple(v) for k, v in data.get("accessories", {}).items()}
        for key in ("hair", "eyes", "top", "bottom", "skin"):
            data[key] = tuple(data[key])
        data["props"] = tuple(data.get("props", ()))
        return Look(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


class OfflineProvider(Provider):
    kind = "offline"

    @property
    def model(self) -> str:
        return self.profile.model or "offline-renderer"

    def capabilities(self) -> Capabilities:
        return Capabilities(
            multi_turn=True,
            max_references=14,
            seed_honoured=True,
            is_model=False,
            description="Offline renderer (Pillow drawing, not an AI model): no key, no network.",
        )

    def label(self) -> str:
        return "offline renderer (not an AI model)"

    def check(self) -> str:
        return f"{self.name}: the offline renderer works (no network, no key needed)."

    def start_look(self, request: GenerationRequest) -> Look:
        # Reset puts the newest promoted image first (older ones follow with --keep-refs): it sets the
        # look; among other references the last added wins.
        promoted = [r for r in request.references if r.role == "promoted"]
        others = [r for r in reversed(request.references) if r.role != "promoted"]
        for ref in [*promoted, *others]:
            look = _look_from_image(ref)
            if look is not None:
                return look
        return look_from_spec(request.character)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        # The newest picture carries the look it was drawn with, every earlier edit included, so
        # the conversation need not be replayed (the engine sends only its newest turns).
        newest = request.history[-1].images[:1] if request.history else []
        look = _look_from_image(newest[0]) if newest else None
        if look is None:
            look = self.start_look(request)
            for turn in request.history:
                look = apply_prompt(look, turn.prompt)
        typed = request.typed or request.prompt
        look = apply_prompt(look, typed)
        seed = request.params.seed if request.params.seed is not None else secrets.randbits(32)
        img = render(
            look,
            request.params.aspect_ratio,
            request.params.image_size,
            seed,
            f"session-tui offline renderer · seed {seed}",
        )
        info = PngImagePlugin.PngInfo()
        info.add_text(LOOK_CHUNK, json.dumps(asdict(look), sort_keys=True))
        info.add_text("Software", "session-tui offline renderer (not an AI model)")
        out = io.BytesIO()
        img.save(out, format="PNG", pnginfo=info, compress_level=6)
        return GenerationResult(
            images=[out.getvalue()],
            text=describe(look, typed, seed),
            model=self.model,
            provider_state={"seed_used": seed},
            request_info={"input_images": len(request.references), "bytes_sent": 0},
            seed_honoured=True,
            # Drawn here and encoded losslessly: nothing to check, and the score's copy comes
            # from the drawing itself, with the very pixels the PNG holds.
            previews=[small_copy(img)],
        )
