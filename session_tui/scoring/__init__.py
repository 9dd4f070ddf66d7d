"""The consistency score: the character region's colour, hue, texture and edges against the
references, its palette and keep rules in colour, with learned weights and a verdict.

``score.compute_score`` is the local score (numpy, no network); ``learned.score_learned`` the
optional one from image embeddings (the ``vision`` extra). docs/SCORING.md explains both.
"""

from session_tui.scoring.score import compute_score, format_score

__all__ = ["compute_score", "format_score"]
