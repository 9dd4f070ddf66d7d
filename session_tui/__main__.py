"""Allow ``python -m session_tui``."""

from session_tui.cli import main

raise SystemExit(main())
