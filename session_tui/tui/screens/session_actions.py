"""What can be done to a session from its screen: approve, promote, fork, references, spec, export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from session_tui.domain.model import Checkpoint, ImageRef, Session, Turn
from session_tui.domain.wording import plural
from session_tui.engine.outputs import ExportResult
from session_tui.errors import SessionTuiError
from session_tui.tui.screens.add_reference import AddReferenceScreen
from session_tui.tui.screens.approve import ApproveScreen, ApproveValues
from session_tui.tui.screens.base import engine_of, tui_of
from session_tui.tui.screens.character import CharacterScreen
from session_tui.tui.screens.confirm import ConfirmScreen
from session_tui.tui.screens.export import ExportScreen, ExportValues
from session_tui.tui.screens.form import TextFormScreen
from session_tui.tui.screens.image_view import ImageViewScreen
from session_tui.tui.screens.promote import ForkScreen, PromoteScreen, PromoteValues
from session_tui.tui.screens.session_state import SessionState
from session_tui.tui.widgets.checkpoints import CheckpointsPanel
from session_tui.tui.widgets.references import ReferencesPanel


def moved_to(picked: str, current: str) -> str | None:
    """The profile to give the engine: only one the user changed to, so an unchanged form asks
    for no move (and a profile removed from config.toml since is not looked up)."""
    return picked if picked != current else None


class SessionActions(Screen[None]):
    """The session screen's actions; each asks in a modal form and lets the engine do the work."""

    session_name: str
    state: SessionState | None

    # Provided by SessionScreen.
    def after_change(
        self,
        job: Callable[[], Any],
        done: Callable[[Any], Any] | None = None,
        failed: Callable[[SessionTuiError], Any] | None = None,
    ) -> None:
        raise NotImplementedError

    def reload(self, *, full: bool = False) -> None:
        raise NotImplementedError

    def target_turn(self, *, need_image: bool) -> Turn | None:
        raise NotImplementedError

    def default_export_dir(self) -> Path:
        raise NotImplementedError

    # -- approve ------------------------------------------------------------------------------
    def action_approve(self) -> None:
        turn = self.target_turn(need_image=True)
        if turn is None:
            self.notify("No turn has an image to approve yet.", severity="warning")
            return
        self.approve_turn(turn)

    def approve_turn(self, turn: Turn) -> None:
        """Ask for a label and a note, then save ``turn``'s image as a checkpoint."""
        if turn.status != "ok" or not turn.images:
            self.notify(
                f"Turn {turn.index} has no image to approve ({turn.status}); select another turn.",
                severity="warning",
            )
            return
        engine, name = engine_of(self), self.session_name

        def approve(v: ApproveValues) -> Checkpoint:
            return engine.approve(name, turn=turn.index, label=v.label, note=v.note)

        def approved(cp: Checkpoint | None) -> None:
            if cp is not None:
                label = f" ({cp.label})" if cp.label else ""
                self.notify(f"Saved checkpoint {cp.id}{label} from turn {cp.turn}.", title="Approved")
                self.reload()

        self.app.push_screen(ApproveScreen(turn, approve), approved)

    # -- reset by promotion and fork ----------------------------------------------------------
    def _promotion_source(self, from_panel: bool) -> tuple[str, Checkpoint | None, Turn | None] | None:
        session = self.state.session if self.state else None
        if session is None:
            return None
        panel = self.query_one(CheckpointsPanel)
        if from_panel or panel.has_focus_within:
            cp = panel.highlighted()
            if cp is not None:
                return f"checkpoint {cp.id}" + (f" ({cp.label})" if cp.label else ""), cp, None
        turn = self.target_turn(need_image=True)
        selected = turn is not None and turn is not session.last_image_turn()
        if turn is not None and turn.images:
            cps = [c for c in session.checkpoints if c.turn == turn.index]
            if cps:
                return (
                    f"checkpoint {cps[-1].id}" + (f" ({cps[-1].label})" if cps[-1].label else ""),
                    cps[-1],
                    None,
                )
            if selected or not session.checkpoints:
                return f"the image of turn {turn.index}", None, turn
        if session.checkpoints:
            cp = session.checkpoints[-1]
            return f"checkpoint {cp.id}" + (f" ({cp.label})" if cp.label else ""), cp, None
        return None

    def action_reset(self, from_panel: bool = False) -> None:
        source = self._promotion_source(from_panel)
        if source is None or self.state is None:
            self.notify("Nothing to promote yet: draw an image (and approve it) first.", severity="warning")
            return
        self.promote(*source)

    def promote(self, what: str, cp: Checkpoint | None, turn: Turn | None) -> None:
        """Reset by promotion from checkpoint ``cp`` or, without one, from ``turn``'s image."""
        if self.state is None:
            return
        if cp is not None:
            image: ImageRef = cp.image
        elif turn is not None:
            image = turn.images[0]
        else:
            return
        engine, name = engine_of(self), self.session_name
        header = self.state.session.header

        def reset(v: PromoteValues) -> Session:
            return engine.reset(
                name,
                checkpoint=cp.id if cp else None,
                turn=turn.index if turn else None,
                into=v.into or None,
                keep=v.keep,
                provider=moved_to(v.provider, header.provider),
            )

        self.app.push_screen(
            PromoteScreen(
                name,
                what,
                image,
                header.references,
                header.character,
                engine.free_name(name, "r"),
                reset,
                profiles=engine.config.profile_names(),
                provider=header.provider,
            ),
            self._land,
        )

    def action_reset_from_checkpoint(self) -> None:
        self.action_reset(from_panel=True)

    def action_fork(self) -> None:
        turn = self.target_turn(need_image=False)
        if turn is None:
            self.notify("There is no turn to fork from yet.", severity="warning")
            return
        engine, name = engine_of(self), self.session_name
        current = self.state.session.header.provider if self.state else engine.config.default_provider

        def fork(into: str, provider: str) -> Session:
            return engine.fork(name, turn=turn.index, into=into or None, provider=moved_to(provider, current))

        self.app.push_screen(
            ForkScreen(
                name,
                turn.index,
                engine.free_name(name, "f"),
                fork,
                profiles=engine.config.profile_names(),
                provider=current,
            ),
            self._land,
        )

    def _land(self, session: Session | None) -> None:
        if session is not None:
            parent = session.header.parent
            how = f" by {parent.kind} from {parent.session}" if parent else ""
            moved = f" on {session.header.provider}" if parent and parent.moved_from else ""
            self.notify(f"Created {session.name!r}{how}{moved}.", title="New session")
            # What a move to another profile changed (a ratio it does not offer, …): the new
            # session's screen reads it again and would not know.
            for note in session.warnings:
                self.notify(note, title="New session", severity="warning", timeout=10)
            tui_of(self).replace_session(session.name)

    # -- references ---------------------------------------------------------------------------
    def action_add_reference(self) -> None:
        if self.state is None:
            return
        engine, name = engine_of(self), self.session_name
        count = len(self.state.session.header.references)

        def added(session: Session | None) -> None:
            if session is not None:
                self.reload()
                self.notify(f"The session now has {plural(len(session.header.references), 'reference')}.")

        self.app.push_screen(
            AddReferenceScreen(
                count, self.state.reference_limit, lambda ref: engine.add_references(name, [ref])
            ),
            added,
        )

    def action_relabel_reference(self) -> None:
        ref = self.query_one(ReferencesPanel).highlighted()
        if ref is None:
            self.notify("Highlight a reference in the references panel first.", severity="warning")
            return
        engine, name = engine_of(self), self.session_name

        def relabelled(session: Session | None) -> None:
            if session is not None:
                self.reload()

        self.app.push_screen(
            TextFormScreen(
                "Relabel reference",
                "Label",
                ref.label,
                lambda label: engine.relabel_reference(name, ref.sha256, label),
            ),
            relabelled,
        )

    def action_remove_reference(self) -> None:
        ref = self.query_one(ReferencesPanel).highlighted()
        if ref is None:
            self.notify("Highlight a reference in the references panel first.", severity="warning")
            return
        engine, name = engine_of(self), self.session_name

        def answered(yes: bool | None) -> None:
            if yes:
                self.after_change(
                    lambda: engine.remove_reference(name, ref.sha256),
                    lambda _: self.notify(f"Removed reference {ref.label or ref.sha256[:12]}."),
                )

        self.app.push_screen(
            ConfirmScreen(
                f"Remove reference {ref.label or ref.sha256[:12]!r}?",
                "Turns already drawn keep it; new turns will not see it.",
                yes="Remove",
            ),
            answered,
        )

    # -- the character spec, export, viewing --------------------------------------------------
    def action_character(self) -> None:
        if self.state is None:
            return
        engine, name = engine_of(self), self.session_name

        def saved(result: object) -> None:
            if result is not None:
                self.reload()
                self.notify("Saved the character spec; the next turn uses it.")

        self.app.push_screen(
            CharacterScreen(
                self.state.session.header.character, lambda spec: engine.set_character(name, spec)
            ),
            saved,
        )

    def action_export(self) -> None:
        if self.state is None:
            return
        checkpoints = self.state.session.checkpoints
        if not checkpoints:
            self.notify(
                "No checkpoints to export yet; approve an image with ctrl+s first.", severity="warning"
            )
            return
        engine, name = engine_of(self), self.session_name

        def export(v: ExportValues) -> tuple[ExportResult, int]:
            return engine.export(name, v.out, as_zip=v.as_zip, which=v.which), len(v.which)

        def exported(done: tuple[ExportResult, int] | None) -> None:
            if done is not None:
                result, count = done
                text = f"Exported {plural(count, 'checkpoint')} to {result.path}"
                line = self.query_one("#last-export", Static)
                line.update(Text(text))  # a path with '[' in it is not markup
                line.add_class("-shown")
                self.notify(text, title="Exported", timeout=10)

        self.app.push_screen(ExportScreen(checkpoints, self.default_export_dir(), export), exported)

    def action_view_image(self) -> None:
        turn = self.target_turn(need_image=True)
        if turn is None or not turn.images:
            self.notify("No image to show yet.", severity="warning")
            return
        self.app.push_screen(
            ImageViewScreen(self.session_name, turn.images[0], f"Turn {turn.index}: {turn.prompt[:60]}")
        )
