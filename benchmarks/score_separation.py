"""Print how well the consistency score separates the same character from different characters.

    python benchmarks/score_separation.py

Draws a set with the offline renderer (six characters, seven scenes each), scores every picture
against every character, and prints ROC AUC; then the Little Orange case of issue 12 (the real
character and an impostor in five scenes, against her front view). The figures in
docs/SCORING.md come from this script; benchmarks/score_real.py checks real photos.
"""

from __future__ import annotations

import sys

from session_tui.engine.score_validation import describe, little_orange, separation

BEFORE = 0.973  # score v2 on the same set


def main() -> int:
    print(f"{describe(separation())} (before: {BEFORE:.3f})")
    for row in little_orange():
        real, impostor = row["real"], row["impostor"]
        broken = sum(f.startswith("keep ") for f in impostor["flags"])
        print(
            f"Little Orange {row['scene']}: {real['total']} {real['verdict']}, impostor {impostor['total']} "
            f"{impostor['verdict']} ({broken} keep rules broken), margin {real['total'] - impostor['total']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
