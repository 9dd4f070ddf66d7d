"""Export checkpoints: PNGs that carry their own prompt and params, and a manifest."""

from session_tui.export.exporter import ExportResult, export_session

__all__ = ["ExportResult", "export_session"]
