"""The App: which screen is shown, the engine it talks through, how pictures are drawn."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image as PILImage
from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import Input, TextArea

from session_tui.engine import Engine
from session_tui.errors import SessionTuiError
from session_tui.paths import Home
from session_tui.runtime import collector_paused
from session_tui.tui.commands import ScreenCommands
from session_tui.tui.images import ThumbnailCache, image_mode, image_widget_class
from session_tui.tui.screens.help import HelpScreen
from session_tui.tui.screens.home import HomeScreen
from session_tui.tui.screens.session import SessionScreen
from session_tui.tui.screens.session_state import SessionState, read_state
from session_tui.tui.widgets.conversation import FIRST_READ

ImageFactory = Callable[[PILImage.Image], Widget]


class SessionTuiApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "session-tui"
    COMMANDS = App.COMMANDS | {ScreenCommands}
    # Classes every screen gets by the terminal's size; app.tcss lays screens out by them.
    # Textual's App declares both as instance variables, so a ClassVar annotation fails mypy.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 -- see above
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012 -- see above
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "explain", "Help", tooltip="Explain the focused area and its keys"),
        Binding("ctrl+q", "quit", "Quit", priority=True, tooltip="Quit; everything is already saved"),
    ]

    def __init__(
        self,
        engine: Engine,
        *,
        start: str | None = None,
        opening: SessionState | None = None,
        image_class: type[Widget] | None = None,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.start = start
        self._image_class = image_class
        self.cursor_blink = cursor_blink
        self.thumbnails = ThumbnailCache(engine)
        self._opening = opening  # what run() read of ``start`` before the app began, if anything

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is plain text: messages carry labels, paths, prompts and services'
        error bodies, and a stray ``[/x]`` in one must not crash the app (nor ``[@click=…]`` act).
        ``markup`` is ignored because Widget.notify and Screen.notify always pass True."""
        del markup
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    @property
    def image_class(self) -> ImageFactory:
        if self._image_class is None:
            self._image_class = image_widget_class("auto")
        factory: ImageFactory = self._image_class  # textual-image widgets take the picture first
        return factory

    def on_mount(self) -> None:
        if self.engine.config.default_provider == "offline" and not self.engine.config.providers:
            self.sub_title = "no provider configured: new sessions use the offline renderer (not an AI model)"
        self.push_screen(HomeScreen())
        if self.start is not None:
            self.open_session(self.start)

    def open_session(self, name: str) -> None:
        opening, self._opening = self._opening, None
        self.push_screen(
            SessionScreen(name, opening if opening is not None and opening.session.name == name else None)
        )

    def replace_session(self, name: str) -> None:
        self.switch_screen(SessionScreen(name))

    def go_home(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save into the home's screenshots folder (``session-tui paths`` names it), never into a
        ~/Downloads that may not exist, and say where."""
        folder = Path(path) if path else self.engine.home.screenshots_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.notify(f"Could not create {folder}: {exc.strerror}.", title="Screenshot", severity="error")
            return None
        name = filename or f"{self.title} {datetime.now():{time_format or '%Y-%m-%dT%H_%M_%S'}}.svg"
        target = folder / name
        try:
            target.write_text(self.export_screenshot(), encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not write {target}: {exc.strerror}.", title="Screenshot", severity="error")
            return None
        self.notify(f"Saved {target}", title="Screenshot", timeout=8)
        return str(target)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if not self.cursor_blink and isinstance(event.widget, (Input, TextArea)):
            event.widget.cursor_blink = False

    def action_explain(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        node: Any = self.focused if self.focused is not None else self.screen  # an empty ListView is falsy
        text = ""
        while node is not None and not text:
            text = _own_help(node)
            node = node.parent
        keys = [
            f"- **{self.get_key_display(b.binding)}** {b.binding.description}"
            + (f": {b.binding.tooltip}" if b.binding.tooltip else "")
            for b in self.screen.active_bindings.values()
            if b.binding.description and b.enabled and _is_own(b.node, b.binding)
        ]
        body = (text or "## session-tui") + "\n\n### Keys here\n" + "\n".join(dict.fromkeys(keys))
        self.push_screen(HelpScreen(body + "\n\n**ctrl+p** lists every action; Esc closes this help."))


def _is_own(node: Any, binding: Binding) -> bool:
    """Whether session-tui declared ``binding`` (Textual's editing keys would drown the help)."""
    for cls in type(node).__mro__:
        if cls.__module__.startswith("session_tui.") or cls is App:
            for own in cls.__dict__.get("BINDINGS", ()):
                if isinstance(own, Binding) and (own.action, own.description) == (
                    binding.action,
                    binding.description,
                ):
                    return True
    return False


def _own_help(node: Any) -> str:
    """The HELP text session-tui wrote for ``node``'s class (Textual's own widgets' texts are skipped)."""
    for cls in type(node).__mro__:
        if cls.__module__.startswith("session_tui.") and cls.__dict__.get("HELP"):
            return str(cls.__dict__["HELP"]).strip()
    return ""


def run(home: Home, name: str | None) -> int:
    """Open the TUI on the home screen, or in session ``name``; returns the exit code."""
    engine = Engine(home)
    _ = engine.config  # a broken config.toml is one sentence on stderr, before the screen changes
    # textual-image asks the terminal what it can draw; that has to happen before Textual owns stdin.
    image_class = image_widget_class(image_mode(os.environ))
    app = SessionTuiApp(engine, start=name, opening=read_opening(engine, name), image_class=image_class)
    settle_startup_objects()
    app.run()
    return app.return_code or 0


def read_opening(engine: Engine, name: str | None) -> SessionState | None:
    """The session to open, read before the app starts: then nothing else wants the interpreter,
    where a worker would share it with the drawing of the first screens (a 1,000-turn session took
    three times as long that way). A problem is left for the screen to find and report."""
    if name is None:
        return None
    try:
        with collector_paused():
            return read_state(engine, name, FIRST_READ)
    except SessionTuiError:
        return None


def settle_startup_objects() -> None:
    """Take what starting made (modules, classes, Textual's and pydantic's tables) out of the
    cycle collector's sight: it lives as long as the app, yet every full collection walked it
    all, about 200 ms each while a session screen was first drawn."""
    gc.freeze()
