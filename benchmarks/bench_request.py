"""Request size: turn 20 of a session with 14 references at 4K, as the local service receives it.

    python benchmarks/bench_request.py [--quick]

The references are noisy-but-compressible PNGs, half 4096x4096 and half 5504x3072 (about 16 MB
each, as a 4K rendering is). The session has 19 finished turns with 1K pictures; turn 20 is sent
by a real `session-tui send` process through an openai-chat profile, and the request body the
local service receives is measured. It is compared with a naive request that sends every
original as PNG base64. Targets: at least 10x smaller, always under the profile's budget, and no
picture scaled below what the model can use.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perfkit as pk
from bench_turn import script

REFERENCES = 14
BUDGET_MB = 20.0
PROMPT = "the same character, now sitting on a bench in the park"


def reference_images() -> list[Path]:
    sizes = [(4096, 4096), (5504, 3072)]
    paths = []
    for i in range(REFERENCES):
        width, height = sizes[i % 2]
        pk.sample_png(width, height, 100 + i)
        paths.append(pk.CACHE / f"noisy-{width}x{height}-{100 + i}.png")
    return paths


def build(home: Path, base_url: str) -> Any:
    """The session: 14 references, 19 finished turns. Returns the engine."""
    from session_tui.domain.model import Turn
    from session_tui.engine import Engine, RefInput
    from session_tui.paths import Home

    pk.write_config(home, base_url, BUDGET_MB)
    engine = Engine(Home(home))
    engine.new_session("big", refs=[RefInput(p, f"view {i}") for i, p in enumerate(reference_images())])
    sd = engine.session_dir("big")
    pictures = [sd.blobs.put(pk.sample_png(1024, 1024, s)).model_dump(mode="json") for s in range(1, 5)]
    template = Turn(
        index=1,
        prompt="a small change",
        prompt_sent="a small change, same character",
        status="ok",
        provider="local",
        kind="openai-chat",
        model=pk.MODEL,
        reply_text="Here it is.",
        duration_s=12.5,
    ).model_dump(mode="json")
    pk.grow_session(home, "big", template, 19, pictures)
    return engine


def measure(quick: bool = False) -> dict[str, Any]:
    from session_tui.providers.budget import b64_len

    repeats = 2 if quick else 4  # the first send scales the references; later ones find them cached
    with tempfile.TemporaryDirectory(prefix="st-bench-request-") as tmp:
        home = Path(tmp) / "home"
        service = pk.LocalService(pk.sample_png(1024, 1024, 7), keep_bodies=True).start()
        try:
            engine = build(home, service.base_url)
            session = engine.load("big")
            sd = engine.session_dir("big")
            originals = [sd.blobs.read(r) for r in session.header.references]
            last = sd.blobs.read(session.turns[-1].images[0])
            every_turn = [sd.blobs.read(t.images[0]) for t in session.turns]
            runs = []
            for _ in range(repeats):
                run = pk.run_process([script(), "send", "big", PROMPT], pk.bench_env(home))
                assert run.returncode == 0, run.stderr
                runs.append(run)
            body = service.seen[-1].body or b""
            after = engine.load("big")
            turn = after.turns[-1]
            # A row for an image sent as stored names it only: its size is the stored image's.
            stored = {
                r.sha256[:12]: r
                for r in [*after.header.references, *(i for t in after.turns for i in t.images)]
            }
        finally:
            service.stop()
    doc = json.loads(body)
    sent_images = [
        part["image_url"]["url"]
        for m in doc["messages"]
        if isinstance(m["content"], list)
        for part in m["content"]
        if part.get("type") == "image_url"
    ]
    naive = sum(b64_len(len(o)) for o in [*originals, last])
    naive_all = sum(b64_len(len(o)) for o in [*originals, *every_turn])
    info = turn.request.get("images", [])
    return {
        "body": len(body),
        "naive": naive,
        "naive_all": naive_all,
        "budget": int(BUDGET_MB * 1_000_000),
        "images_sent": len(sent_images),
        "original_bytes": sum(map(len, originals)),
        "cold_s": runs[0].seconds,
        "cold_rss_kb": runs[0].max_rss_kb,
        "warm_s": pk.median([r.seconds for r in runs[1:]]),
        "warm_rss_kb": int(pk.median([r.max_rss_kb for r in runs[1:]])),
        "sizes": [
            (i["role"], i["width"], i["height"], i["mime"], i["bytes"], i["changed"])
            if "changed" in i
            else (
                i["role"],
                stored[i["image"]].width,
                stored[i["image"]].height,
                stored[i["image"]].mime,
                stored[i["image"]].size_bytes,
                "",
            )
            for i in info
        ],
        "journal_request_bytes": len(json.dumps(turn.request.model_dump(mode="json"))),
    }


def report(quick: bool = False) -> tuple[str, list[pk.Check]]:
    os.environ[pk.KEY_ENV] = pk.KEY
    m = measure(quick)
    ratio = m["naive"] / m["body"]
    refs = [s for s in m["sizes"] if s[0] == "reference"]
    smallest = min((max(w, h) for _, w, h, *_ in refs), default=0)
    rows = [
        ("naive: 14 originals + the image being edited, PNG base64", pk.fmt_mb(m["naive"]), ""),
        ("naive, carrying every earlier turn's image too", pk.fmt_mb(m["naive_all"]), ""),
        (
            "**session-tui, as received by the service**",
            f"**{pk.fmt_mb(m['body'])}**",
            f"{m['images_sent']} images",
        ),
    ]
    per_image = sorted(
        {(role, f"{w}×{h}", mime.split("/")[-1], changed) for role, w, h, mime, _, changed in m["sizes"]}
    )
    lines = [
        "### Request size",
        "",
        (
            f"Turn 20 of a session with {REFERENCES} references at 4K "
            f"({pk.fmt_mb(m['original_bytes'])} of PNG in all); budget {BUDGET_MB:g} MB."
        ),
        "",
        pk.table(["request", "bytes", ""], rows),
        "",
        (
            f"**{ratio:.1f}x smaller than the naive request** (target >= 10x: {pk.verdict(ratio >= 10)}); "
            f"under the budget: {pk.verdict(m['body'] <= m['budget'])}; smallest reference sent: {smallest} px "
            "on its long side."
        ),
        "",
        pk.table(
            ["`session-tui send`, whole process", "time", "peak RSS"],
            [
                (
                    "first turn with these references (scales all 14)",
                    pk.fmt_ms(m["cold_s"]),
                    f"{m['cold_rss_kb'] / 1000:.0f} MB",
                ),
                (
                    "later turns (scaled copies cached), median",
                    pk.fmt_ms(m["warm_s"]),
                    f"{m['warm_rss_kb'] / 1000:.0f} MB",
                ),
            ],
        ),
        "",
        f"The turn's `request` record in the journal is {m['journal_request_bytes']} bytes.",
        "",
        "What was sent:",
        "",
        pk.table(["role", "size", "format", "what was done"], per_image),
        "",
    ]
    checks = [
        pk.Check(
            "request for turn 20, 14 references at 4K: >= 10× smaller than naive",
            f"{ratio:.1f}×",
            ratio >= 10,
        ),
        pk.Check(
            "... under the profile's budget",
            f"{pk.fmt_mb(m['body'])} of {pk.fmt_mb(m['budget'])}",
            m["body"] <= m["budget"],
        ),
        pk.Check(
            "... references not scaled below the model's useful size (2048 px)",
            f"{smallest} px",
            smallest >= 2048,
        ),
    ]
    return "\n".join(lines), checks


if __name__ == "__main__":
    print(report(quick="--quick" in sys.argv)[0])
