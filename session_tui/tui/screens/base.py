"""What every screen shares: the way to the engine, run off the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.dom import DOMNode

from session_tui.errors import SessionTuiError

if TYPE_CHECKING:
    from session_tui.engine import Engine
    from session_tui.tui.app import SessionTuiApp

T = TypeVar("T")


@dataclass(frozen=True)
class PaletteCommand:
    """One entry of the command palette: a title, a line of help and the action it runs."""

    title: str
    help: str
    action: str


def tui_of(node: DOMNode) -> SessionTuiApp:
    return cast("SessionTuiApp", node.app)


def engine_of(node: DOMNode) -> Engine:
    return tui_of(node).engine


def notify_error(node: DOMNode, exc: SessionTuiError) -> None:
    node.app.notify(exc.message, title=exc.title, severity="error", timeout=8)


def run_engine(
    node: DOMNode,
    job: Callable[[], T],
    done: Callable[[T], Any] | None = None,
    failed: Callable[[SessionTuiError], Any] | None = None,
) -> None:
    """Run ``job`` (engine calls: file locks, disk, network) in a thread, then ``done`` on the UI thread.

    A refusal or failure becomes ``failed`` (default: an error notification), never a crash.
    """

    def on_failure(exc: SessionTuiError) -> None:
        if failed is not None:
            failed(exc)
        else:
            notify_error(node, exc)

    def finish(call: Callable[..., Any], value: Any) -> None:
        if node.is_attached:
            call(value)

    def work() -> None:
        try:
            result = job()
        except SessionTuiError as exc:
            node.app.call_from_thread(finish, on_failure, exc)
            return
        except Exception as exc:
            error = SessionTuiError(f"Unexpected {type(exc).__name__}: {exc}")
            node.app.call_from_thread(finish, on_failure, error)
            return
        if done is not None:
            node.app.call_from_thread(finish, done, result)

    node.run_worker(work, thread=True, group="engine", exit_on_error=False)
