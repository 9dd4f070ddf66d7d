"""The home screen: saved sessions, filtered as you type; open, create, delete."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from session_tui.domain.model import Session
from session_tui.engine.views import SessionSummary
from session_tui.tui.screens.base import PaletteCommand, engine_of, run_engine, tui_of
from session_tui.tui.screens.confirm import ConfirmScreen
from session_tui.tui.screens.form import TextFormScreen
from session_tui.tui.screens.lineage import LineageScreen
from session_tui.tui.screens.new_session import NewSessionScreen, NewSessionValues


def lineage(summary: SessionSummary, children: list[str]) -> str:
    parts = []
    if summary.parent:
        parts.append(f"← {summary.parent_shown}")
    if children:
        parts.append("→ " + ", ".join(children))
    return "  ".join(parts)


# Lineage second, so a narrow terminal shows it without scrolling sideways.
COLUMNS = ("Session", "Lineage", "Turns", "Checkpoints", "Provider / model", "Last change")
MAX_WIDTHS = (32, 36, 5, 11, 36, 16)


def row_of(s: SessionSummary, children: list[str]) -> list[Text]:
    if s.error:
        return [Text(s.name), Text(), Text(), Text(), Text(f"damaged: {s.error}", "red"), Text()]
    return [
        Text(s.name, "bold"),
        Text(lineage(s, children)),
        Text(str(s.turns)),
        Text(str(s.checkpoints)),
        Text(f"{s.provider} / {s.model}"),
        Text(f"{s.modified_at:%Y-%m-%d %H:%M}"),
    ]


def matches(summary: SessionSummary, query: str) -> bool:
    query = query.strip().lower()
    return not query or any(
        query in s.lower() for s in (summary.name, summary.provider, summary.model, summary.parent or "")
    )


class HomeScreen(Screen[None]):
    HELP = """
## Sessions
Every saved session: its provider and model, turns, checkpoints, last change and lineage
(← the session it came from, → sessions made from it by reset or fork).

- Type to **filter**; **Up/Down** move; **Enter** opens the highlighted session.
- **ctrl+n** creates a session; **F8** deletes the highlighted one after you confirm.
- **F6** shows the highlighted session's family as a tree; Enter there opens one.
- **ctrl+p** lists every action; **F1** explains the focused area.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "new", "New session", tooltip="Create a session"),
        Binding("enter", "open", "Open", tooltip="Open the highlighted session"),
        Binding("f8", "delete", "Delete", tooltip="Delete the highlighted session (asks first)"),
        Binding(
            "f2",
            "rename",
            "Rename",
            tooltip="Rename the highlighted session; its children follow",
            show=False,
        ),
        Binding(
            "f9",
            "archive",
            "Archive",
            tooltip="Zip the highlighted session; import reads it back",
            show=False,
        ),
        Binding("f5", "refresh", "Refresh", tooltip="Read the sessions again"),
        Binding("f6", "lineage", "Lineage", tooltip="The highlighted session's family as a tree"),
        Binding("down", "cursor(1)", "Next", show=False),
        Binding("up", "cursor(-1)", "Previous", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[SessionSummary] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Filter sessions: type part of a name, provider or model", id="filter")
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Static("", id="home-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).focus()

    def on_screen_resume(self) -> None:
        # Also on first showing; the list is read off the UI thread. `session-tui open NAME` pushes a
        # session on top at once: reading every session then would only slow that one's first paint.
        if self.app.screen is self:
            self.action_refresh()

    def action_refresh(self) -> None:
        engine = engine_of(self)
        run_engine(self, engine.summaries, self._loaded)

    def _loaded(self, summaries: list[SessionSummary]) -> None:
        self.summaries = summaries
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#sessions", DataTable)
        current = self.highlighted()
        query = self.query_one("#filter", Input).value
        children: dict[str, list[str]] = {}
        for s in self.summaries:
            if s.parent_link:
                children.setdefault(s.parent_link, []).append(s.name)
        shown = [s for s in self.summaries if matches(s, query)]
        rows = [row_of(s, children.get(s.name, [])) for s in shown]
        # Widths are set from the rows rather than left to DataTable, which settles them later.
        table.clear(columns=True)
        for i, label in enumerate(COLUMNS):
            width = max([len(label), *(r[i].cell_len for r in rows)])
            table.add_column(label, width=min(width, MAX_WIDTHS[i]))
        for s, row in zip(shown, rows, strict=True):
            table.add_row(*row, key=s.name)
        names = [s.name for s in shown]
        if current in names:
            table.move_cursor(row=names.index(current))
        empty = self.query_one("#home-empty", Static)
        if not self.summaries:
            empty.update(
                f"No sessions yet in {engine_of(self).home.sessions_dir}. Press ctrl+n to create one."
            )
        elif not shown:
            empty.update("No session matches the filter.")
        else:
            empty.update("")

    def highlighted(self) -> str | None:
        table = self.query_one("#sessions", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill()

    @on(Input.Submitted, "#filter")
    def _filter_enter(self, event: Input.Submitted) -> None:
        self.action_open()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_cursor(self, delta: int) -> None:
        table = self.query_one("#sessions", DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + delta)))

    def action_open(self) -> None:
        name = self.highlighted()
        if name is not None:
            tui_of(self).open_session(name)

    def action_new(self) -> None:
        engine = engine_of(self)

        def create(v: NewSessionValues) -> Session:
            from session_tui.domain.model import GenerationParams, make
            from session_tui.engine.specfiles import load_character

            spec = load_character(v.character) if v.character else None
            params = make(
                GenerationParams, {"aspect_ratio": v.aspect_ratio, "image_size": v.image_size, "seed": v.seed}
            )
            return engine.new_session(v.name, provider=v.provider, character=spec, refs=v.refs, params=params)

        def created(session: Session | None) -> None:
            if session is not None:
                tui_of(self).open_session(session.name)

        config = engine.config
        self.app.push_screen(
            NewSessionScreen(config.profile_names(), config.default_provider, create), created
        )

    def action_delete(self) -> None:
        name = self.highlighted()
        if name is None:
            return
        engine = engine_of(self)

        def answered(yes: bool | None) -> None:
            if yes:
                run_engine(self, lambda: engine.delete(name), lambda _: self._deleted(name))

        self.app.push_screen(
            ConfirmScreen(
                f"Delete session {name!r}?",
                "Its turns, checkpoints and images are removed from disk. This cannot be undone.",
                yes="Delete",
            ),
            answered,
        )

    def action_lineage(self) -> None:
        name = self.highlighted()
        if name is None:
            self.notify("No session to show the lineage of yet.", severity="warning")
            return

        def chosen(picked: str | None) -> None:
            if picked is not None:
                tui_of(self).open_session(picked)

        self.app.push_screen(LineageScreen(name), chosen)

    def action_rename(self) -> None:
        name = self.highlighted()
        if name is None:
            return
        engine = engine_of(self)

        def renamed(new: str | None) -> None:
            if new:
                self.notify(f"Renamed {name!r} to {new!r}.")
                self.action_refresh()

        def rename(new: str) -> str:
            engine.rename(name, new)
            return new

        self.app.push_screen(
            TextFormScreen(
                f"Rename {name!r}",
                "New name",
                name,
                rename,
                ok="Rename",
                explain="The folder is renamed; sessions made from it keep pointing at it.",
            ),
            renamed,
        )

    def action_archive(self) -> None:
        name = self.highlighted()
        if name is None:
            return
        engine = engine_of(self)

        def archived(path: str | None) -> None:
            if path:
                self.notify(f"Archived {name!r} to {path}; 'session-tui import' reads it back.")

        def archive(out: str) -> str:
            return str(engine.archive(name, Path(out)).path)

        self.app.push_screen(
            TextFormScreen(
                f"Archive {name!r}",
                "Zip file",
                str(Path.cwd() / f"{name}.zip"),
                archive,
                ok="Archive",
                explain="The session folder, whole, with a sha256 of every file (checked on import).",
            ),
            archived,
        )

    def _deleted(self, name: str) -> None:
        self.notify(f"Deleted session {name!r}.")
        self.action_refresh()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                "New session", "Create a session: name, provider, character spec, references", "new"
            ),
            PaletteCommand("Open session", "Open the highlighted session", "open"),
            PaletteCommand("Delete session", "Delete the highlighted session (asks first)", "delete"),
            PaletteCommand("Rename session", "Rename the highlighted session (F2)", "rename"),
            PaletteCommand(
                "Archive session", "Zip the highlighted session for import elsewhere (F9)", "archive"
            ),
            PaletteCommand("Refresh sessions", "Read the list of sessions again", "refresh"),
            PaletteCommand("Lineage tree", "The highlighted session's family; Enter opens (F6)", "lineage"),
        ]
