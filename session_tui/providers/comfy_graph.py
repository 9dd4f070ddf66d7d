"""ComfyUI workflow graphs: the built-in templates, and driving a user's API-format export.

An API-format graph (``File → Export (API)``) maps node ids to ``{"class_type", "inputs"}``; a
linked input is ``[source_node_id, output_slot]``. A user's graph is followed from its sampler
(``KSampler``, ``KSamplerAdvanced``, or ``SamplerCustom*`` through its guider and noise nodes):
``positive``/``negative`` upstream to the text encoders, ``latent_image`` to the latent size,
``model`` to the checkpoint loader. Into those go the prompt, the negative prompt (when the profile
sets one), the seed (on every sampler and noise node, so a second pass reproduces too), the size,
the profile's steps, cfg and sampler, and the checkpoint. Everything else is kept as exported.

Where a graph is ambiguous, documented placeholders win: a string input that is exactly
``%prompt%`` or ``%negative%`` receives that text, and a ``LoadImage`` whose image is ``%image%``
receives the starting picture (a reference slot, e.g. for an IP-Adapter) instead of session-tui
rewiring the sampler's latent through ``VAEEncode``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from session_tui.errors import ConfigError

Graph = dict[str, dict[str, Any]]
PROMPT_SLOT, NEGATIVE_SLOT, IMAGE_SLOT = "%prompt%", "%negative%", "%image%"
_TEXT_KEYS = ("text", "text_g", "text_l")
_PASS_KEYS = ("conditioning", "conditioning_to", "conditioning_1", "conditioning_from", "conditioning_2")
_DEPTH = 32


def template() -> Graph:
    """ComfyUI's default txt2img graph; ``drive`` rewires it into img2img for a starting picture."""
    return {
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": 0,
                "steps": 20,
                "cfg": 7.0,
                "sampler_name": "euler",
                "scheduler": "normal",
                "denoise": 1.0,
                "model": ["4", 0],
                "positive": ["6", 0],
                "negative": ["7", 0],
                "latent_image": ["5", 0],
            },
        },
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ""}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "session-tui", "images": ["8", 0]}},
    }


def load_workflow(path: str) -> Graph:
    """A workflow file in API format, or one sentence saying why it cannot be used."""
    file = Path(path).expanduser()
    try:
        data = json.loads(file.read_bytes())
    except FileNotFoundError:
        raise ConfigError(
            f"The workflow file {file} does not exist; check workflow in the profile."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot read the workflow file {file}: {exc.strerror}.") from None
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"The workflow file {file} is not JSON.") from None
    if isinstance(data, dict) and isinstance(data.get("nodes"), list):
        raise ConfigError(
            f"The workflow file {file} is in ComfyUI's editor format; export it with "
            "File → Export (API) and name that file instead."
        )
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"The workflow file {file} is not an API-format ComfyUI workflow.")
    for key, node in data.items():
        if not (isinstance(node, dict) and isinstance(node.get("class_type"), str)):
            raise ConfigError(
                f"The workflow file {file}: node {str(key)[:40]!r} has no class_type; it is not an "
                "API-format ComfyUI workflow."
            )
        if not isinstance(node.get("inputs", {}), dict):
            raise ConfigError(f"The workflow file {file}: node {str(key)[:40]!r} has no inputs object.")
        node.setdefault("inputs", {})
    return data


@dataclass(frozen=True)
class Drive:
    """What goes into a graph for one turn."""

    prompt: str
    negative: str
    seed: int
    width: int
    height: int
    checkpoint: str
    steps: int | None = None
    cfg: float | None = None
    sampler: str | None = None
    denoise: float | None = None  # img2img strength; None for txt2img
    image: str | None = None  # the uploaded starting picture's name on the server


def _link(value: Any) -> str | None:
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], (str, int)):
        return str(value[0])
    return None


def _order(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (1 << 30, key)


def samplers(graph: Graph) -> list[str]:
    """The ids of the nodes that sample (have a latent input and a conditioning or guider)."""
    found = []
    for key in sorted(graph, key=_order):
        inputs = graph[key].get("inputs", {})
        if "Sampler" in graph[key]["class_type"] and (
            "positive" in inputs or "guider" in inputs or "latent_image" in inputs
        ):
            found.append(key)
    return found


def _encoders(graph: Graph, link: Any, branch: str, depth: int = 0) -> list[str]:
    """The text encoders upstream of a conditioning link (through ControlNet and combine nodes)."""
    source = _link(link)
    if source is None or source not in graph or depth > _DEPTH:
        return []
    node = graph[source]
    inputs = node.get("inputs", {})
    if any(isinstance(inputs.get(k), str) for k in _TEXT_KEYS):
        return [source]
    found: list[str] = []
    if "positive" in inputs and "negative" in inputs:  # e.g. ControlNetApplyAdvanced: slot 0 and 1
        slot = link[1] if isinstance(link[1], int) else 0
        found += _encoders(graph, inputs["negative" if slot == 1 else "positive"], branch, depth + 1)
    elif branch in inputs:  # a guider's positive/negative
        found += _encoders(graph, inputs[branch], branch, depth + 1)
    for key in _PASS_KEYS:
        found += _encoders(graph, inputs.get(key), branch, depth + 1)
    return list(dict.fromkeys(found))


def _upstream(graph: Graph, link: Any, wanted: str, via: str) -> str | None:
    """The first node upstream of ``link`` with input ``wanted``, following inputs named ``via``."""
    for _ in range(_DEPTH):
        source = _link(link)
        if source is None or source not in graph:
            return None
        inputs = graph[source].get("inputs", {})
        if wanted in inputs and _link(inputs[wanted]) is None:
            return source
        link = inputs.get(via)
    return None


def _set_text(node: dict[str, Any], text: str) -> None:
    inputs = node["inputs"]
    for key in _TEXT_KEYS:
        if isinstance(inputs.get(key), str):
            inputs[key] = text


def _slots(graph: Graph, slot: str) -> list[tuple[str, str]]:
    return [(k, name) for k, n in graph.items() for name, v in n.get("inputs", {}).items() if v == slot]


def drive(source: Graph, d: Drive) -> tuple[Graph, list[str]]:
    """A copy of ``source`` with the turn injected, and notes on what could not be set."""
    graph = copy.deepcopy(source)
    notes: list[str] = []
    found = samplers(graph)
    if not found:
        raise ConfigError(
            "The workflow has no sampler node (KSampler, KSamplerAdvanced or SamplerCustom) for "
            "session-tui to drive; export a graph that samples an image."
        )
    if not any(("SaveImage" in n["class_type"] or "PreviewImage" in n["class_type"]) for n in graph.values()):
        raise ConfigError("The workflow saves no picture; add a SaveImage node and export it again.")
    main = graph[found[0]]["inputs"]
    guider = graph.get(_link(main.get("guider")) or "", {}).get("inputs", {})
    # The seed on every sampler and noise node, so a second (hires) pass reproduces too.
    for key in found:
        inputs = graph[key]["inputs"]
        for name in ("seed", "noise_seed"):
            if name in inputs and _link(inputs[name]) is None:
                inputs[name] = d.seed
        noise = graph.get(_link(inputs.get("noise")) or "")
        if noise is not None and "noise_seed" in noise.get("inputs", {}):
            noise["inputs"]["noise_seed"] = d.seed
    # Prompt and negative prompt: placeholders first, else the encoders the links lead to.
    placed = _slots(graph, PROMPT_SLOT)
    for key, name in placed:
        graph[key]["inputs"][name] = d.prompt
    for key, name in _slots(graph, NEGATIVE_SLOT):
        graph[key]["inputs"][name] = d.negative
    cond = main if "positive" in main else guider
    positive = _encoders(graph, cond.get("positive", cond.get("conditioning")), "positive")
    negative = [k for k in _encoders(graph, cond.get("negative"), "negative") if k not in positive]
    if not placed:
        if not positive:
            raise ConfigError(
                "The workflow's sampler has no text encoder upstream of its positive input; put "
                f"{PROMPT_SLOT} as the text of the node that should receive the prompt."
            )
        for key in positive:
            _set_text(graph[key], d.prompt)
    if d.negative and negative and not _slots(source, NEGATIVE_SLOT):
        for key in negative:
            _set_text(graph[key], d.negative)
    # Steps, cfg, sampler on the main sampler (or its guider).
    for name, value in (("steps", d.steps), ("cfg", d.cfg), ("sampler_name", d.sampler)):
        if value is None:
            continue
        target = main if name in main else guider if name in guider else None
        if target is not None and _link(target[name]) is None:
            target[name] = value
        else:
            notes.append(f"the workflow's sampler takes no {name}, so the profile's was not used")
    # The checkpoint.
    ckpt = _upstream(graph, main.get("model") or guider.get("model"), "ckpt_name", "model")
    if ckpt is None:
        ckpt = next((k for k in sorted(graph, key=_order) if "ckpt_name" in graph[k]["inputs"]), None)
    if ckpt is not None:
        graph[ckpt]["inputs"]["ckpt_name"] = d.checkpoint
    else:
        notes.append("the workflow has no checkpoint loader, so its own model was used")
    _size_and_image(graph, found[0], ckpt, d, notes)
    return graph, notes


def _size_and_image(graph: Graph, sampler: str, ckpt: str | None, d: Drive, notes: list[str]) -> None:
    main = graph[sampler]["inputs"]
    image_slots = [(k, n) for k, n in _slots(graph, IMAGE_SLOT) if "LoadImage" in graph[k]["class_type"]]
    if d.image is not None and image_slots:
        # A reference slot: the picture goes there; the sampler keeps its latent and its denoise.
        for key, name in image_slots:
            graph[key]["inputs"][name] = d.image
    elif d.image is not None:
        # img2img: the sampler's latent becomes the encoded starting picture.
        vae = next((n["inputs"]["vae"] for n in graph.values() if n["class_type"] == "VAEDecode"), None)
        if vae is None and ckpt is not None:
            vae = [ckpt, 2]
        if vae is None or "latent_image" not in main:
            notes.append("the workflow has no latent input to start from the picture, so it was not used")
        else:
            old = _link(main["latent_image"])
            load = _free_id(graph)
            graph[load] = {"class_type": "LoadImage", "inputs": {"image": d.image}}
            encode = _free_id(graph)
            graph[encode] = {"class_type": "VAEEncode", "inputs": {"pixels": [load, 0], "vae": vae}}
            main["latent_image"] = [encode, 0]
            if "denoise" in main and d.denoise is not None:
                main["denoise"] = d.denoise
            if old is not None and not any(_feeds(n, old) for n in graph.values()):
                del graph[old]  # the empty latent nothing reads any more
            return
    elif image_slots:
        raise ConfigError(
            f"The workflow loads {IMAGE_SLOT}, but this turn has no picture to start from; add a reference."
        )
    latent = _upstream(graph, main.get("latent_image"), "width", "samples")
    if latent is not None and "height" in graph[latent]["inputs"]:
        graph[latent]["inputs"]["width"] = d.width
        graph[latent]["inputs"]["height"] = d.height
    else:
        notes.append("the workflow's latent size could not be found, so its own size was used")


def _feeds(node: dict[str, Any], key: str) -> bool:
    return any(_link(v) == key for v in node.get("inputs", {}).values())


def _free_id(graph: Graph) -> str:
    return str(max((int(k) for k in graph if k.isdigit()), default=0) + 1)


def output_nodes(graph: Graph) -> list[str]:
    return [k for k, n in graph.items() if "SaveImage" in n["class_type"]]
