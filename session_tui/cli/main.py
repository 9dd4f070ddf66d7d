"""Entry point: build the parser from the command modules, run, turn errors into one sentence."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence

from session_tui import __version__
from session_tui.cli.common import Context
from session_tui.errors import SessionTuiError
from session_tui.paths import Home
from session_tui.runtime import collector_paused

# Each module has register(subparsers); the order is the order of --help.
# Commands that run for minutes (a series, the TUI, the judge) keep the cycle collector on.
LONG_RUNNING = frozenset({"series", "open", "judge"})
COMMAND_MODULES = (
    "session_tui.cli.commands",
    "session_tui.cli.export_cmd",
    "session_tui.cli.check_cmd",
    "session_tui.cli.import_cmd",
    "session_tui.cli.add_cmd",
    "session_tui.cli.character_cmd",
    "session_tui.cli.prompt_cmd",
    "session_tui.cli.refs_cmd",
    "session_tui.cli.series_cmd",
    "session_tui.cli.score_cmd",
    "session_tui.cli.judge_cmd",
    "session_tui.cli.providers_cmd",
)


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one sentence and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"session-tui: {message[0].upper() + message[1:]}. See '{self.prog} --help'.\n")
        raise SystemExit(2)


def build_parser() -> Parser:
    home_help = "use DIR as the session-tui home (config and sessions); default: $SESSION_TUI_HOME or the user data dir"
    parser = Parser(
        prog="session-tui",
        description="Keep an AI-drawn character consistent: conversations, "
        "checkpoints, reset by promotion. With no command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"session-tui {__version__}")
    parser.add_argument("--home", metavar="DIR", help=home_help)
    # --home is also accepted after the command name, where people tend to type it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS, help=home_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context(args=args, home=Home.resolve(getattr(args, "home", None)))
    handler = getattr(args, "func", None)
    try:
        if handler is None:
            from session_tui.cli.commands import run_tui

            return run_tui(ctx, None)
        if args.command in LONG_RUNNING:
            return int(handler(ctx) or 0)
        with collector_paused():  # a short command: reading a journal makes no cycles worth a pass
            return int(handler(ctx) or 0)
    except SessionTuiError as exc:
        sys.stderr.write(f"session-tui: {exc.message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("session-tui: interrupted; anything already saved is kept.\n")
        return 130
    except BrokenPipeError:
        # stdout closed early (e.g. piped into head): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141 if hasattr(signal, "SIGPIPE") else 1
