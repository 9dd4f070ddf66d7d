"""Rebuild the repo's example home, sessions/, with the offline renderer (seeded, so reproducible).

python scripts/make_example_sessions.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from session_tui.config import Profile
from session_tui.domain.model import GenerationParams
from session_tui.engine import Engine, RefInput
from session_tui.engine.specfiles import load_character
from session_tui.paths import Home
from session_tui.providers.base import GenerationRequest
from session_tui.providers.offline import OfflineProvider

HOME = Path(__file__).resolve().parent.parent / "sessions"


def reference(spec_file: Path, seed: int, out: Path) -> Path:
    """A reference picture of the character, drawn offline in a plain studio."""
    spec = load_character(spec_file)
    provider = OfflineProvider("offline", Profile(kind="offline"), Home(out.parent))
    result = provider.generate(
        GenerationRequest(prompt="portrait", params=GenerationParams(seed=seed), character=spec)
    )
    out.write_bytes(result.images[0])
    return out


def main() -> None:
    for child in HOME.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
    engine = Engine(Home(HOME))
    with tempfile.TemporaryDirectory() as tmp:
        orange_spec = HOME / "little-orange.toml"
        front = reference(orange_spec, 11, Path(tmp) / "orange-front.png")
        outfit = reference(orange_spec, 12, Path(tmp) / "orange-outfit.png")
        engine.new_session(
            "little-orange",
            character=load_character(orange_spec),
            refs=[RefInput(front, "front", "front"), RefInput(outfit, "outfit", "outfit")],
            params=GenerationParams(aspect_ratio="4:3"),
        )
        # The article's story, one scene a turn; the offline renderer draws each scene and prop.
        engine.send("little-orange", "picking oranges in a supermarket", seed=101)
        engine.send("little-orange", "reading a book on a park bench", seed=102)
        engine.approve("little-orange", label="park-bench", note="book and bench read well")
        engine.send("little-orange", "on the beach at sunset", seed=103)
        engine.approve("little-orange", label="beach-sunset")
        engine.send("little-orange", "baking cookies in the kitchen with an apron", seed=104)
        engine.send(
            "little-orange",
            "in a room decorated for Christmas, wearing a Santa hat, without the apron",
            seed=105,
        )
        engine.approve("little-orange", label="christmas")
        engine.reset("little-orange", checkpoint="beach-sunset", into="little-orange-r1")
        engine.send("little-orange-r1", "under the cherry blossoms", seed=106)
        engine.send("little-orange-r1", "make the hoodie brighter", seed=107)

        blue_spec = HOME / "little-blue.toml"
        engine.new_session(
            "little-blue",
            character=load_character(blue_spec),
            refs=[RefInput(reference(blue_spec, 21, Path(tmp) / "blue-front.png"), "正面", "front")],
        )
        engine.send("little-blue", "在海边", seed=201)
        engine.approve("little-blue", label="海边")
    print(f"Rebuilt {', '.join(engine.store.names())} in {HOME}")


if __name__ == "__main__":
    import argparse

    # No options: --help only says what running it does (it replaces the sessions in sessions/).
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    main()
