"""session-tui: keep an AI-drawn character consistent across images, from the terminal."""

__version__ = "0.1.0"
