"""Reset by promotion and fork: the forms that make a new session from this one, on its provider
profile or on another."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input, Label, SelectionList, Static

from session_tui.domain.model import CharacterSpec, ImageRef, ReferenceImage, Session
from session_tui.tui.screens.form import Choice, FormScreen, TextFormScreen, chosen, labelled_pair
from session_tui.tui.widgets.image_slot import ImageSlot

PROVIDER_LABEL = "Provider profile"
MOVE_HELP = """
**Provider profile** is where the new session draws: the session's own profile at first. Another
one moves the new session there; a ratio or size that model does not offer is replaced by the
nearest it does, and a notification says so. (`--provider` does the same on the command line.)
"""


@dataclass(frozen=True)
class PromoteValues:
    into: str
    keep: list[str]  # sha256 of the old references to carry
    provider: str  # the profile picked; the session's own unless it was changed


class PromoteScreen(FormScreen[PromoteValues, Session]):
    HELP = (
        """
## Reset by promotion
A fresh session whose first reference is the promoted picture: no turns, the character spec
carried over, and the old references you tick (Space) kept. Name it, then **ctrl+s** (or Enter in
the name) creates and opens it; Esc closes the form and changes nothing.
"""
        + MOVE_HELP
    )
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
        *,
        profiles: list[str],
        provider: str,
    ) -> None:
        """``profiles``: the configured provider profiles; ``provider``: the session's own."""
        super().__init__(job)
        self.session = session
        self.source = source
        self.image = image
        self.references = [r for r in references if r.sha256 != image.sha256]
        self.character = character
        self.new_name = new_name
        self.provider = Choice(PROVIDER_LABEL, profiles, provider)

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
        yield from labelled_pair(
            "New session name", Input(self.new_name, id="promote-into"), self.provider, "promote-provider"
        )

    def values(self) -> PromoteValues:
        keep = list(self.query_one("#promote-keep", SelectionList).selected) if self.references else []
        return PromoteValues(
            self.query_one("#promote-into", Input).value.strip(),
            keep,
            chosen(self, "promote-provider", self.provider.value),
        )


class ForkScreen(TextFormScreen):
    """Fork from a turn: the new session's name and provider profile."""

    HELP = (
        """
## Fork
A new session holding the turns up to the one forked from, with their checkpoints; the old session
is untouched. Name it, then Enter (or **ctrl+s**) creates and opens it; Esc changes nothing.
"""
        + MOVE_HELP
        + """
On another profile the copied turns keep what the old model said, but none of the old service's
state (thought signatures, thread ids) is replayed: earlier pictures go as plain input images.
"""
    )

    def __init__(
        self,
        session: str,
        turn: int,
        new_name: str,
        job: Callable[[str, str], Session],
        *,
        profiles: list[str],
        provider: str,
    ) -> None:
        """``job(into, provider)``; ``profiles``: the configured ones; ``provider``: the session's."""
        super().__init__(
            f"Fork from turn {turn}",
            "New session name",
            new_name,
            job,
            choice=Choice(PROVIDER_LABEL, profiles, provider),
            ok="Fork and open",
            explain=(
                f"The new session holds turns 1 to {turn} and their checkpoints; {session!r} is untouched."
            ),
        )
