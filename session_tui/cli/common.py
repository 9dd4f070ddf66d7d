"""What every command shares: the context, JSON output, argument types."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from session_tui.paths import Home

if TYPE_CHECKING:
    from session_tui.engine import Engine, RefInput


@dataclass
class Context:
    args: argparse.Namespace
    home: Home
    _engine: Engine | None = field(default=None, repr=False)
    # What a failed --json command adds beside its {"error": ...} (send: the failed turn as stored).
    error_extra: dict[str, Any] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from session_tui.engine import Engine  # lazily: --version and --help need none of it

            self._engine = Engine(self.home)
        return self._engine


def json_text(doc: Any) -> str:
    """``doc`` as every --json output writes it."""
    return json.dumps(doc, ensure_ascii=False, indent=2)


def emit_json(doc: Any) -> None:
    """Exactly one JSON document on stdout."""
    sys.stdout.write(json_text(doc) + "\n")


def emit_json_with(doc: dict[str, Any], key: str, items: Iterable[str]) -> None:
    """What ``emit_json`` prints for ``doc`` with ``doc[key]`` the list of the items that ``items``
    holds as ``json_text``, byte for byte, without ever building that list or its document: a
    long session's turns as text are a fraction of their models and of their dicts."""
    marker = f"\0{key}\0"  # no real value holds a NUL
    head, tail = json_text({**doc, key: marker}).split(json.dumps(marker), 1)
    out = sys.stdout
    out.write(head)
    separator = "[\n"
    for item in items:
        out.write(separator + textwrap.indent(item, "    "))
        separator = ",\n"
    out.write("[]" if separator == "[\n" else "\n  ]")
    out.write(tail + "\n")


def add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def add_params(p: argparse.ArgumentParser) -> None:
    p.add_argument("--aspect-ratio", metavar="R", help="1:1 2:3 3:2 3:4 4:3 4:5 5:4 9:16 16:9 21:9")
    p.add_argument("--image-size", metavar="S", help="1K, 2K or 4K (uppercase K)")
    p.add_argument(
        "--seed", metavar="N", type=seed_arg, help="0 to 4294967295; recorded even where not honoured"
    )


def add_refs(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ref",
        metavar="PATH[=LABEL]",
        action="append",
        default=None,
        type=ref_arg,
        help="reference image (repeatable)",
    )


def ref_arg(text: str) -> RefInput:
    from session_tui.engine import RefInput
    from session_tui.errors import SessionTuiError

    try:
        return RefInput.parse(text)
    except SessionTuiError as exc:  # argparse turns this into its one-sentence usage error
        raise argparse.ArgumentTypeError(exc.message.rstrip(".")) from None


def seed_arg(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed {text!r} is not a whole number") from None


def param_changes(args: argparse.Namespace) -> dict[str, Any]:
    return {"aspect_ratio": args.aspect_ratio, "image_size": args.image_size, "seed": args.seed}
