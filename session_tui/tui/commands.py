"""The command palette: every action of the screen it was opened from."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from session_tui.tui.screens.base import PaletteCommand


def screen_commands(screen: Screen[Any]) -> list[tuple[PaletteCommand, Callable[[], Any]]]:
    source = getattr(screen, "palette_commands", None)
    commands: list[PaletteCommand] = list(source()) if callable(source) else []
    return [(c, partial(screen.run_action, c.action)) for c in commands]


class ScreenCommands(Provider):
    async def discover(self) -> Hits:
        for command, run in screen_commands(self.screen):
            yield DiscoveryHit(command.title, run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command, run in screen_commands(self.screen):
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), run, help=command.help)
