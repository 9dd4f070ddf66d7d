"""Reset by promotion: what the new session will carry, chosen and confirmed before it is made."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input, Label, SelectionList, Static

from session_tui.domain.model import CharacterSpec, ImageRef, ReferenceImage, Session
from session_tui.tui.screens.form import FormScreen
from session_tui.tui.widgets.image_slot import ImageSlot


@dataclass(frozen=True)
class PromoteValues:
    into: str
    keep: list[str]  # sha256 of the old references to carry


class PromoteScreen(FormScreen[PromoteValues, Session]):
    TITLE_TEXT = "Reset by promotion"
    OK_LABEL = "Create and open"

    def __init__(
        self,
        session: str,
        source: str,
        image: ImageRef,
        references: list[ReferenceImage],
        character: CharacterSpec,
        new_name: str,
        job: Callable[[PromoteValues], Session],
    ) -> None:
        super().__init__(job)
        self.session = session
        self.source = source
        self.image = image
        self.references = [r for r in references if r.sha256 != image.sha256]
        self.character = character
        self.new_name = new_name

    def fields(self) -> ComposeResult:
        yield Static(
            f"A fresh conversation whose first reference is {self.source} of {self.session!r}.",
            classes="form-explain",
            markup=False,
        )
        yield ImageSlot(self.session, self.image, classes="promote-image")
        if self.references:
            yield Label("Old references to keep (Space toggles)")
            yield SelectionList[str](
                *[(f"{r.label or r.sha256[:12]} [{r.role}]", r.sha256, False) for r in self.references],
                id="promote-keep",
            )
        else:
            yield Static("The old session has no other references.", classes="form-explain")
        spec = self.character.describe() or "(no character spec)"
        yield Static(f"Character spec carried over: {spec}", classes="form-explain", markup=False)
        yield Label("New session name")
        yield Input(self.new_name, id="promote-into")

    def values(self) -> PromoteValues:
        keep = list(self.query_one("#promote-keep", SelectionList).selected) if self.references else []
        return PromoteValues(self.query_one("#promote-into", Input).value.strip(), keep)
