"""Print how well the consistency score separates the same character from different characters.

    python benchmarks/score_separation.py

Draws a set with the offline renderer (six characters, seven scenes each), scores every picture
against every character, and prints ROC AUC. The figure in README.md comes from this script.
"""

from __future__ import annotations

import sys

from session_tui.scoring.validation import describe, separation


def main() -> int:
    print(describe(separation()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
