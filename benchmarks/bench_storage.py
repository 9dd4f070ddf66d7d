"""Storage: identical images are stored once, and a turn's metadata stays small.

    python benchmarks/bench_storage.py

Turns are made by the engine in-process through an openai-chat profile against the local
service (so each turn journals what a real one does: the request record, usage, the score).
Targets: each distinct image once on disk; under 4 KB of metadata per turn besides the images.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perfkit as pk

TURNS = 6  # the first turns carry fewer earlier pictures; the last three are the steady state


def per_turn_bytes(root: Path, refs: int) -> dict[str, Any]:
    from session_tui.engine import Engine, RefInput
    from session_tui.paths import Home

    service = pk.LocalService(pk.sample_png(1024, 1024, 1)).start()
    try:
        home = root / f"meta-{refs}"
        pk.write_config(home, service.base_url)
        paths = []
        for i in range(refs):
            path = root / f"ref-{refs}-{i}.png"
            path.write_bytes(pk.png_bytes(pk.noisy_image(768, 768, 300 + i)))
            paths.append(RefInput(path, f"view {i}", "front"))
        engine = Engine(Home(home))
        engine.new_session("s", refs=paths)
        journal = home / "s" / "journal.jsonl"
        sizes = []
        for i in range(TURNS):
            engine.send("s", f"turn {i}: the character in another pose")
            sizes.append(journal.stat().st_size)
        steady = TURNS // 2
        return {
            "refs": refs,
            "per_turn": (sizes[-1] - sizes[steady - 1]) / (TURNS - steady),
            "header": (home / "s" / "session.json").stat().st_size,
            "records": len(journal.read_bytes().splitlines()),
        }
    finally:
        service.stop()


def dedup(root: Path) -> list[tuple[str, int, int, int, str]]:
    """(case, images referred to, distinct images, blob files or inodes, bytes on disk)."""
    from instant import instant_engine

    from session_tui.engine import RefInput

    image = pk.sample_png(1024, 1024, 4)
    home = root / "dedup"
    engine = instant_engine(home, image)  # answers the same picture every time
    ref = root / "ref.png"
    ref.write_bytes(pk.sample_png(1024, 1024, 5))
    copy = root / "same-ref-other-name.png"
    copy.write_bytes(ref.read_bytes())
    engine.new_session("a", refs=[RefInput(ref, "front"), RefInput(copy, "front again")])
    for i in range(5):
        engine.send("a", f"pose {i}")
    engine.approve("a", label="best")
    engine.fork("a", turn=3, into="a-fork")
    engine.reset("a", checkpoint="best", into="a-reset", keep_refs=True)

    def blobs(names: list[str]) -> tuple[int, int, int]:
        files = [p for n in names for p in (home / n / "blobs").rglob("*") if p.is_file()]
        inodes = {(p.stat().st_dev, p.stat().st_ino): p.stat().st_blocks * 512 for p in files}
        return len(files), len(inodes), sum(inodes.values())

    s = engine.load("a")
    rows = []
    files, inodes, used = blobs(["a"])
    referred = len(s.header.references) + sum(len(t.images) for t in s.turns) + len(s.checkpoints)
    rows.append(
        (
            (
                "one session: 2 reference files with the same bytes, 5 turns answered with the same "
                "picture, 1 checkpoint"
            ),
            referred,
            2,
            files,
            pk.fmt_mb(used),
        )
    )
    files, inodes, used = blobs(["a", "a-fork", "a-reset"])
    rows.append(
        (
            "the same, plus a fork and a reset of it (3 session folders)",
            referred * 3,
            2,
            inodes,
            pk.fmt_mb(used),
        )
    )
    return rows


def report(quick: bool = False) -> tuple[str, list[pk.Check]]:
    os.environ[pk.KEY_ENV] = pk.KEY
    with tempfile.TemporaryDirectory(prefix="st-bench-storage-") as tmp:
        root = Path(tmp)
        meta = [per_turn_bytes(root, n) for n in (0, 3, 14)]
        stored = dedup(root)
    lines = [
        "### Storage",
        "",
        (
            "Images are stored by sha256: the same bytes are one file, and forks and resets hard-link "
            "their parent's files instead of copying them."
        ),
        "",
        pk.table(
            ["case", "images referred to", "distinct images", "files (distinct inodes)", "on disk"], stored
        ),
        "",
        (
            f"Journal bytes per turn besides the images (steady state, turns {TURNS // 2 + 1} to {TURNS}; a "
            "turn writes a pending record, then the finished one):"
        ),
        "",
        pk.table(
            ["references", "bytes per turn", "under 4 KB", "session.json"],
            [
                (m["refs"], f"{m['per_turn']:.0f}", pk.verdict(m["per_turn"] < 4096), f"{m['header']} B")
                for m in meta
            ],
        ),
        "",
    ]
    checks = [
        pk.Check(
            "identical images stored once",
            " / ".join(f"{r[2]} distinct, {r[3]} files" for r in stored),
            all(r[2] == r[3] for r in stored),
        )
    ]
    checks += [
        pk.Check(
            f"metadata per turn < 4 KB ({m['refs']} references)",
            f"{m['per_turn']:.0f} B",
            m["per_turn"] < 4096,
        )
        for m in meta
    ]
    return "\n".join(lines), checks


if __name__ == "__main__":
    print(report()[0])
