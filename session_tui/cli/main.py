"""Entry point: build the parser from the command modules, run, turn errors into one sentence."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import signal
import sys
from collections.abc import Sequence
from typing import Any

from session_tui import __version__
from session_tui.cli.common import Context
from session_tui.domain.printable import printable
from session_tui.errors import SessionTuiError
from session_tui.paths import Home
from session_tui.runtime import collector_paused

# Each module has register(subparsers); the order is the order of --help.
# Commands that run for minutes (a series, the TUI, the judge) keep the cycle collector on.
LONG_RUNNING = frozenset({"series", "open", "judge"})
COMMAND_MODULES = (
    "session_tui.cli.commands",
    "session_tui.cli.lifecycle_cmd",
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


class UsageExit(SystemExit):
    """A usage error, already written to stderr; ``message`` is its sentence (for --json)."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one sentence and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sentence = f"{message[0].upper() + message[1:]}. See '{self.prog} --help'."
        sys.stderr.write(f"session-tui: {sentence}\n")
        raise UsageExit(sentence)


def error_kind(exc: SessionTuiError) -> str:
    """``InvalidInput`` -> ``invalid_input``: the error's kind as --json names it."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def emit_json_error(kind: str, message: str, exit_code: int, extra: dict[str, Any] | None = None) -> None:
    """With --json a failure is also one JSON document on stdout, so a script never reads stderr."""
    from session_tui.cli.common import emit_json

    emit_json({"error": {"kind": kind, "message": message, "exit_code": exit_code}, **(extra or {})})


def build_parser() -> Parser:
    home_help = (
        "use DIR as the session-tui home (config and sessions); "
        "default: $SESSION_TUI_HOME or the user data dir"
    )
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
    _describe(sub)
    return parser


def _describe(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """A (sub)command registered with only a one-line help shows that line atop its own --help."""
    helps = {a.dest: a.help for a in sub._choices_actions}
    for name, child in sub.choices.items():
        if not child.description and helps.get(name):
            child.description = str(helps[name])[0].upper() + str(helps[name])[1:] + "."
        for action in child._actions:
            if isinstance(action, argparse._SubParsersAction):
                _describe(action)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(words)
    except UsageExit as exc:
        if "--json" in words:
            emit_json_error("usage", exc.message, 2)
        raise
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
        sys.stderr.write(f"session-tui: {printable(exc.message)}\n")  # a service's words: no raw escapes
        if getattr(args, "json", False):
            emit_json_error(error_kind(exc), exc.message, exc.exit_code, ctx.error_extra)
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("session-tui: interrupted; anything already saved is kept.\n")
        return 130
    except BrokenPipeError:
        # stdout closed early (e.g. piped into head): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141 if hasattr(signal, "SIGPIPE") else 1
