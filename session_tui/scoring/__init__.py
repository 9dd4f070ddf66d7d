"""The local consistency score (no network, no model): palette, colour histogram, perceptual hash."""

from session_tui.scoring.score import compute_score, format_score
from session_tui.scoring.session import rescore, score_turn

__all__ = ["compute_score", "format_score", "rescore", "score_turn"]
