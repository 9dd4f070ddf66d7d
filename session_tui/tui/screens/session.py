"""The session screen: conversation, prompt, parameters, references, checkpoints."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, ListView, Static

from session_tui.domain.model import Checkpoint, Session, Turn
from session_tui.engine.costs import CostBook
from session_tui.errors import Cancelled, InvalidInput, SessionTuiError
from session_tui.tui.messages import GenerationFailed, GenerationFinished
from session_tui.tui.screens.base import PaletteCommand, engine_of, notify_error, run_engine, tui_of
from session_tui.tui.screens.new_session import check_seed
from session_tui.tui.screens.session_state import SessionState, read_state
from session_tui.tui.screens.session_studio import SessionStudio
from session_tui.tui.widgets.checkpoints import CheckpointsPanel
from session_tui.tui.widgets.conversation import Conversation
from session_tui.tui.widgets.generation_status import GenerationStatus
from session_tui.tui.widgets.param_bar import ParamBar
from session_tui.tui.widgets.picture_pane import PicturePane
from session_tui.tui.widgets.prompt_input import PromptInput
from session_tui.tui.widgets.references import ReferencesPanel
from session_tui.tui.widgets.session_bar import SessionBar

# While a turn is drawn the session is locked by the engine; these would only wait for it.
BUSY_ACTIONS = frozenset(
    {
        "approve",
        "reset",
        "reset_from_checkpoint",
        "fork",
        "character",
        "add_reference",
        "relabel_reference",
        "remove_reference",
        "export",
        "home",
        "reload",
        "series",
    }
)


class SessionScreen(SessionStudio):
    HELP = """
## Session
The conversation with the image model. Type in the prompt and press **Enter**; the image arrives
as a new turn and is shown large in the picture pane. Select a turn in the conversation (**ctrl+t**
or Tab goes there, then Up/Down) to see its picture, approve, promote or fork from it; otherwise
these act on the newest image. Tab goes prompt → conversation → panels → parameters.

**F5** opens the gallery (mark two to four pictures with Space and compare them side by side),
**F6** the lineage tree (the sessions this one came from and those made from it). On a narrow
terminal the references and checkpoints panels are a drawer: **ctrl+b** opens and closes it.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        # The footer shows the first few (it must fit 80 columns with F1 in it); F1 lists them all.
        Binding("escape", "cancel", "Stop", tooltip="Cancel the image being drawn (or stop a series)"),
        Binding("f1", "app.explain", "Help", tooltip="Explain the focused area and its keys"),
        Binding(
            "ctrl+s", "approve", "Approve", tooltip="Save the selected (or newest) image as a checkpoint"
        ),
        Binding("ctrl+r", "reset", "Reset", tooltip="Reset by promotion: a fresh session from a checkpoint"),
        Binding("f5", "gallery", "Gallery", tooltip="The session's pictures as a grid; mark some to compare"),
        # priority: the prompt (a TextArea) binds F6 and F7 to select line / select all.
        Binding(
            "f6",
            "lineage",
            "Lineage",
            priority=True,
            tooltip="The session's family: parents and children as a tree",
        ),
        Binding(
            "ctrl+f", "fork", "Fork", show=False, tooltip="Continue from the selected turn in a new session"
        ),
        Binding("f2", "character", "Character", show=False, tooltip="View and edit the character spec"),
        Binding("f3", "add_reference", "Add ref", show=False, tooltip="Add a reference image from a path"),
        Binding("f4", "export", "Export", show=False, tooltip="Export checkpoints to a folder or a zip"),
        Binding(
            "f7",
            "series",
            "Series",
            show=False,
            priority=True,
            tooltip="Draw a scenes file (or typed scenes) as a series",
        ),
        Binding(
            "ctrl+g",
            "view_image",
            "View",
            show=False,
            tooltip="Show the selected (or newest) image full size",
        ),
        Binding("ctrl+t", "focus_conversation", "Turns", show=False, tooltip="Go to the conversation"),
        Binding(
            "ctrl+b",
            "toggle_panels",
            "Panels",
            show=False,
            tooltip="Open or close the references and checkpoints",
        ),
        Binding("ctrl+o", "home", "Sessions", show=False, tooltip="Back to the list of sessions"),
    ]

    def __init__(self, name: str, opening: SessionState | None = None) -> None:
        """``opening``: the session as just read, to show at once instead of reading it again."""
        super().__init__()
        self.session_name = name
        self._opening = opening
        self.state: SessionState | None = None
        self.cancel_event: threading.Event | None = None
        self.generating = False
        self.reset_suggested = False
        self.series_stop: threading.Event | None = None  # set: stop the series after this scene

    @property
    def session(self) -> Session | None:
        return self.state.session if self.state else None

    def compose(self) -> ComposeResult:
        yield Header()
        yield SessionBar(id="session-bar")
        yield ParamBar(engine_of(self).config.profile_names(), id="param-bar")
        with Horizontal(id="session-body"):
            with Horizontal(id="session-main"):
                yield Conversation(id="conversation")
                yield PicturePane(id="picture")
            with Vertical(id="sidebar"):
                yield ReferencesPanel(id="references")
                yield CheckpointsPanel(id="checkpoints")
        yield Static("", id="last-export")
        yield GenerationStatus(id="generation-status")
        yield PromptInput(id="prompt")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = self.session_name
        conversation = self.query_one(Conversation)
        book = CostBook(engine_of(self).config)
        conversation.cost_of = lambda turn: book.turn_cost(turn).text()
        self.query_one(PromptInput).focus()
        if self._opening is not None:
            opening, self._opening = self._opening, None
            self.show_state(opening, full=True)
        else:
            self.reload(full=True)

    def on_unmount(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()  # leaving mid-turn: the engine records it as cancelled

    # -- reading ------------------------------------------------------------------------------
    def reload(self, *, full: bool = False) -> None:
        engine, name, recent = engine_of(self), self.session_name, self.recent()
        run_engine(
            self,
            lambda: read_state(engine, name, recent),
            lambda state: self.show_state(state, full=full),
            self._load_failed,
        )

    def recent(self) -> int:
        """How many of the newest turns a read builds: what the conversation shows and a page more."""
        return self.query_one(Conversation).wanted

    @on(Conversation.EarlierWanted)
    def _earlier_wanted(self, event: Conversation.EarlierWanted) -> None:
        event.stop()
        if not self.generating:  # a turn being drawn holds the lock; its end reads the session anyway
            self.reload()

    def _load_failed(self, exc: SessionTuiError) -> None:
        notify_error(self, exc)
        if self.state is None:
            tui_of(self).go_home()

    def after_change(
        self,
        job: Callable[[], Any],
        done: Callable[[Any], Any] | None = None,
        failed: Callable[[SessionTuiError], Any] | None = None,
    ) -> None:
        """Run an engine change off the UI thread, then show the session as it now is."""
        engine, name, recent = engine_of(self), self.session_name, self.recent()

        def work_() -> tuple[Any, SessionState]:
            result = job()
            return result, read_state(engine, name, recent)

        def finished(pair: tuple[Any, SessionState]) -> None:
            self.show_state(pair[1])
            if done is not None:
                done(pair[0])

        run_engine(self, work_, finished, failed)

    def show_state(self, state: SessionState, *, full: bool = False) -> None:
        first = self.state is None
        self.state = state
        session = state.session
        label = state.facts.provider_label
        self.sub_title = (
            f"{session.name} — {label}"
            if state.facts.is_model
            else (f"{session.name} — {label}" + ("" if "not an AI model" in label else " (not an AI model)"))
        )
        self.query_one(SessionBar).show(session, state.facts)
        if not self.generating:
            self.query_one(ParamBar).show(session.header)
        self.query_one(ReferencesPanel).show(session.name, session.header.references, state.reference_limit)
        self.query_one(CheckpointsPanel).show(session.checkpoints)
        conversation = self.query_one(Conversation)
        if first or full:
            conversation.show(session)
            self.query_one(PromptInput).set_history(session.prompts)
        else:
            conversation.sync(session)
        # The large picture and the session's total cost (which reads every turn) come after the
        # frame that shows the conversation: a 1,000-turn session's first paint must not wait for them.
        self.call_after_refresh(self._show_picture)
        self.call_after_refresh(self._read_cost)
        for warning in session.warnings:
            self.notify(warning, title="Session read with problems", severity="warning")
        self.refresh_bindings()

    # -- sending ------------------------------------------------------------------------------
    @on(PromptInput.Submitted)
    def _submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        self.send(event.text)

    def send(self, text: str) -> None:
        prompt = self.query_one(PromptInput)
        if not text.strip():
            self.notify("The prompt is empty; say what to draw or change.", severity="warning")
            return
        if self.generating:
            self.notify("A turn is being drawn; wait for it or press Esc to cancel it.", severity="warning")
            return
        if self.state is None:
            return
        bar = self.query_one(ParamBar)
        params = bar.current()
        try:
            seed = check_seed(self.query_one("#param-seed", Input).value)
        except InvalidInput as exc:
            kept = bar.restore_seed() or "random"
            self.notify(
                f"{exc.message} The last good seed ({kept}) is back; press Enter again to send.",
                title="Seed refused",
                severity="error",
                timeout=8,
            )
            return
        if seed is not None:
            params["seed"] = seed
        prompt.clear()
        prompt.remember(text)
        self.cancel_event = threading.Event()
        self._set_generating(True)
        self.query_one(Conversation).show_pending(text)
        self.query_one(GenerationStatus).start("Drawing")
        self.generate(text, params, self.cancel_event, self.recent() + 1)

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False)
    def generate(self, prompt: str, params: dict[str, Any], cancel: threading.Event, recent: int) -> None:
        """``recent``: the turns to read back afterwards, the new one included."""
        engine, name = engine_of(self), self.session_name
        try:
            turn = engine.send(name, prompt, cancel=cancel, **params)
        except SessionTuiError as exc:
            self.post_message(
                GenerationFailed(
                    self._quiet_load(recent),
                    prompt,
                    exc.title,
                    exc.message,
                    cancelled=isinstance(exc, Cancelled),
                )
            )
            return
        except Exception as exc:
            self.post_message(
                GenerationFailed(
                    self._quiet_load(recent),
                    prompt,
                    "Unexpected error",
                    f"{type(exc).__name__}: {exc}",
                    cancelled=False,
                )
            )
            return
        self.post_message(GenerationFinished(engine.load(name, recent), turn))

    def _quiet_load(self, recent: int) -> Session | None:
        try:
            return engine_of(self).load(self.session_name, recent)
        except SessionTuiError:
            return None

    def _set_generating(self, on_: bool) -> None:
        self.generating = on_
        self.query_one(ParamBar).disabled = on_
        if not on_:
            self.query_one(GenerationStatus).stop()
            self.cancel_event = None
        self.refresh_bindings()

    def _refresh_session(self, session: Session) -> None:
        if self.state is None:
            return
        used, budget = engine_of(self).request_estimate(session)
        facts = replace(self.state.facts, request_bytes=used, budget_bytes=budget)
        self.show_state(replace(self.state, session=session, facts=facts))

    @on(GenerationFinished)
    def _finished(self, message: GenerationFinished) -> None:
        self._set_generating(False)
        self._refresh_session(message.session)
        turns = message.session.turn_count
        threshold = self.state.facts.reset_threshold if self.state else 0
        if turns >= threshold and not self.reset_suggested:
            self.reset_suggested = True
            self.notify(
                f"This session has {turns} turns; long conversations drift. Press ctrl+r to start a "
                "fresh one from your best image (reset by promotion).",
                title="Time for a reset?",
                timeout=10,
            )

    @on(GenerationFailed)
    def _failed(self, message: GenerationFailed) -> None:
        self._set_generating(False)
        if message.session is not None:
            self._refresh_session(message.session)
        else:
            self.query_one(Conversation).clear_pending()
        prompt = self.query_one(PromptInput)
        if not prompt.text.strip():
            prompt.text = message.prompt
            prompt.move_cursor(prompt.document.end)
            kept = "your prompt is back in the input"
        else:
            kept = "press Up in the prompt to recall it"
        if message.cancelled:
            self.notify(f"Cancelled; {kept}.", title="Cancelled", severity="warning")
        else:
            self.notify(f"{message.reason} ({kept}.)", title=message.title, severity="error", timeout=10)
        prompt.focus()

    def action_cancel(self) -> None:
        if self.series_stop is not None and not self.series_stop.is_set():
            self.series_stop.set()  # the series stops once the scene being drawn is in
            self.query_one(GenerationStatus).note("Stopping after the current scene")
            return
        if self.cancel_event is not None and not self.cancel_event.is_set():
            self.cancel_event.set()
            self.query_one(GenerationStatus).note("Cancelling")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.generating
        if self.generating and action in BUSY_ACTIONS:
            return None
        return True

    # -- the parameter bar --------------------------------------------------------------------
    @on(ParamBar.Changed)
    def _param_changed(self, event: ParamBar.Changed) -> None:
        engine, name, value = engine_of(self), self.session_name, event.value
        jobs: dict[str, Callable[[], Any]] = {
            "provider": lambda: engine.set_provider(name, value),
            "aspect_ratio": lambda: engine.set_params(name, aspect_ratio=value),
            "image_size": lambda: engine.set_params(name, image_size=value),
            "seed": lambda: engine.set_seed(name, check_seed(value)),
        }
        bar = self.query_one(ParamBar)

        def failed(exc: SessionTuiError) -> None:
            if event.field == "seed":
                kept = bar.restore_seed() or "random"
                self.notify(
                    f"{exc.message} The last good seed ({kept}) is back.",
                    title=exc.title,
                    severity="error",
                    timeout=8,
                )
            else:
                notify_error(self, exc)
                if self.session is not None:
                    bar.show(self.session.header)

        def saved(_: object) -> None:
            self.notify(f"Saved {event.field.replace('_', ' ')}: {value or 'random'}.", timeout=3)

        self.after_change(jobs[event.field], saved, failed)

    # -- panels -------------------------------------------------------------------------------
    @on(ListView.Selected, "#cps-list")
    async def _checkpoint_chosen(self, event: ListView.Selected) -> None:
        cp = self.query_one(CheckpointsPanel).highlighted()
        if cp is not None:
            await self.jump_to(cp)

    async def jump_to(self, cp: Checkpoint) -> None:
        conversation = self.query_one(Conversation)
        await conversation.reveal(cp.turn)
        conversation.focus()

    @on(Conversation.ViewRequested)
    def _view_requested(self, event: Conversation.ViewRequested) -> None:
        self.action_view_image()

    def target_turn(self, *, need_image: bool) -> Turn | None:
        """The selected turn, else the newest turn with an image (or the newest turn)."""
        session = self.session
        if session is None:
            return None
        selected = self.query_one(Conversation).selected_turn()
        if selected is not None:
            return selected
        if need_image:
            return session.last_image_turn()
        return session.turns[-1] if session.turns else None

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand("Approve image", "Save the selected (or newest) image as a checkpoint", "approve"),
            PaletteCommand(
                "Reset by promotion", "A fresh session whose reference is a checkpoint or image", "reset"
            ),
            PaletteCommand("Fork from turn", "Continue from the selected turn in a new session", "fork"),
            PaletteCommand("Edit character spec", "View and edit the character spec", "character"),
            PaletteCommand("Add reference", "Add a reference image from a path", "add_reference"),
            PaletteCommand(
                "Relabel reference", "Change the highlighted reference's label", "relabel_reference"
            ),
            PaletteCommand("Remove reference", "Remove the highlighted reference", "remove_reference"),
            PaletteCommand("Export checkpoints", "Write checkpoints to a folder or a zip", "export"),
            PaletteCommand(
                "View image full size", "Show the selected (or newest) image full size", "view_image"
            ),
            PaletteCommand("Jump to checkpoint", "Select the highlighted checkpoint's turn", "jump"),
            PaletteCommand("Cancel generation", "Stop the image being drawn; the prompt is kept", "cancel"),
            PaletteCommand("Reload session", "Read the session from disk again", "reload"),
            PaletteCommand("Back to sessions", "The list of saved sessions", "home"),
            PaletteCommand(
                "Gallery and compare", "The pictures as a grid; mark 2-4 to compare (F5)", "gallery"
            ),
            PaletteCommand(
                "Lineage tree", "Parents and children of this session; Enter opens (F6)", "lineage"
            ),
            PaletteCommand(
                "Run a series", "Draw a scenes file or typed scenes, one turn each (F7)", "series"
            ),
            PaletteCommand(
                "Toggle panels", "Open or close the references and checkpoints (ctrl+b)", "toggle_panels"
            ),
            PaletteCommand("Help", "Explain the focused area and its keys (F1)", "app.explain"),
            PaletteCommand("Focus prompt", "Type the next prompt", "focus_prompt"),
            PaletteCommand("Focus conversation", "Select turns with Up/Down", "focus_conversation"),
        ]

    def action_focus_prompt(self) -> None:
        self.query_one(PromptInput).focus()

    def action_focus_conversation(self) -> None:
        self.query_one(Conversation).focus()

    def action_toggle_panels(self) -> None:
        self.toggle_class("-panels-toggled")
        if self._panels_shown():
            self.call_after_refresh(self.query_one("#refs-list").focus)
        elif self.focused is not None and self.query_one("#sidebar") in self.focused.ancestors:
            self.query_one(PromptInput).focus()

    def _panels_shown(self) -> bool:
        return self.has_class("-wide") != self.has_class("-panels-toggled")

    @property
    def focus_chain(self) -> list[Widget]:
        """Tab order: the prompt, the conversation, the panels, then the parameter bar."""
        order = ("prompt", "conversation", "sidebar", "param-bar")

        def rank(widget: Widget) -> int:
            ids = {widget.id, *(a.id for a in widget.ancestors)}
            return next((n for n, name in enumerate(order) if name in ids), len(order))

        return sorted(super().focus_chain, key=rank)

    # -- the picture pane and the cost ----------------------------------------------------------
    @on(Conversation.Selected)
    def _turn_selected(self, event: Conversation.Selected) -> None:
        event.stop()
        self._show_picture()

    def _show_picture(self) -> None:
        self.query_one(PicturePane).show(self.session_name, self.target_turn(need_image=True))

    def _read_cost(self) -> None:
        """The session's total cost, read off the UI thread (every turn's usage, not only those shown)."""
        engine, name = engine_of(self), self.session_name
        run_engine(
            self,
            lambda: engine.session_cost(name),
            lambda cost: self.query_one(SessionBar).show_cost(cost.text()),
        )

    async def action_jump(self) -> None:
        cp = self.query_one(CheckpointsPanel).highlighted()
        if cp is None:
            self.notify("No checkpoint yet; approve an image with ctrl+s.", severity="warning")
        else:
            await self.jump_to(cp)

    def action_reload(self) -> None:
        self.reload(full=True)

    def action_home(self) -> None:
        tui_of(self).go_home()

    def default_export_dir(self) -> Path:
        return Path.cwd() / f"{self.session_name}-export"
