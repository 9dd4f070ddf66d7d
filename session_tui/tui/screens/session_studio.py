"""The session screen's studio views: the F5 gallery and compare, the F6 lineage tree, the F7 series."""

from __future__ import annotations

import threading

from textual import on, work

from session_tui.domain.model import Session
from session_tui.domain.wording import plural
from session_tui.engine.series import Event as SeriesEvent
from session_tui.engine.series import load_scenes, run_series
from session_tui.errors import SessionTuiError
from session_tui.tui.messages import SeriesEnded, SeriesProgress
from session_tui.tui.screens.base import engine_of, tui_of
from session_tui.tui.screens.compare import Pick
from session_tui.tui.screens.gallery import GalleryScreen
from session_tui.tui.screens.lineage import LineageScreen
from session_tui.tui.screens.series import SeriesPlan, SeriesScreen, SeriesValues, typed_scenes
from session_tui.tui.screens.session_actions import SessionActions
from session_tui.tui.widgets.generation_status import GenerationStatus


class SessionStudio(SessionActions):
    """Views over the whole session or its family, opened from the session screen."""

    generating: bool
    cancel_event: threading.Event | None
    series_stop: threading.Event | None

    # Provided by SessionScreen.
    def recent(self) -> int:
        raise NotImplementedError

    def _set_generating(self, on_: bool) -> None:
        raise NotImplementedError

    def _quiet_load(self, recent: int) -> Session | None:
        raise NotImplementedError

    def _refresh_session(self, session: Session) -> None:
        raise NotImplementedError

    # -- gallery, lineage, series ---------------------------------------------------------------
    def action_gallery(self) -> None:
        self.app.push_screen(GalleryScreen(self.session_name), self._gallery_done)

    def _gallery_done(self, result: tuple[str, Pick] | None) -> None:
        if result is None:
            return
        what, pick = result
        if what == "approve":
            self.approve_turn(pick.turn)
        elif pick.checkpoint is not None:
            cp = pick.checkpoint
            self.promote(f"checkpoint {cp.id}" + (f" ({cp.label})" if cp.label else ""), cp, None)
        else:
            self.promote(f"the image of turn {pick.turn.index}", None, pick.turn)

    def action_lineage(self) -> None:
        self.app.push_screen(LineageScreen(self.session_name), self._lineage_done)

    def _lineage_done(self, name: str | None) -> None:
        if name is not None and name != self.session_name:
            tui_of(self).replace_session(name)

    def action_series(self) -> None:
        if self.generating:
            self.notify("A turn is being drawn; wait for it or press Esc to cancel it.", severity="warning")
            return

        def read(v: SeriesValues) -> SeriesPlan:
            return SeriesPlan(load_scenes(v.path) if v.path else typed_scenes(v.typed), v.series)

        self.app.push_screen(SeriesScreen("tui", read), self._start_series)

    def _start_series(self, plan: SeriesPlan | None) -> None:
        if plan is None:
            return
        self.cancel_event, self.series_stop = threading.Event(), threading.Event()
        self._set_generating(True)
        self.query_one(GenerationStatus).start(
            f"Series {plan.series!r}: {plural(len(plan.scenes), 'scene')}", "Esc stops after this scene"
        )
        self.series_worker(plan, self.cancel_event, self.series_stop, self.recent() + len(plan.scenes))

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False)
    def series_worker(
        self, plan: SeriesPlan, cancel: threading.Event, stop: threading.Event, recent: int
    ) -> None:
        engine, name = engine_of(self), self.session_name

        def on_event(event: SeriesEvent) -> None:
            where = f"scene {event.position}/{event.total}"
            ended = event.kind in ("done", "failed")
            if ended and stop.is_set():
                cancel.set()  # the scene is in: no next one starts
            text = {
                "start": f"{where}: drawing {event.scene.title!r}",
                "done": f"{where} drawn",
                "failed": f"{where} failed: {event.error}",
                "skip": f"{where} already drawn, skipped",
            }.get(event.kind, where)
            self.post_message(SeriesProgress(text, self._quiet_load(recent) if ended else None))

        try:
            result = run_series(
                engine, name, plan.scenes, series=plan.series, on_event=on_event, cancel=cancel
            )
        except KeyboardInterrupt:
            summary, ok = f"Series {plan.series!r} stopped; run it again to resume where it stopped.", True
        except SessionTuiError as exc:
            summary, ok = exc.message, False
        except Exception as exc:
            summary, ok = f"Unexpected {type(exc).__name__}: {exc}", False
        else:
            left = len(plan.scenes) - len(result.rendered) - len(result.skipped) - len(result.failed)
            counts = f"{len(result.rendered)} drawn, {len(result.skipped)} already drawn" + (
                f", {len(result.failed)} failed" if result.failed else ""
            )
            summary = (
                f"Series {plan.series!r} stopped after this scene: {counts}; "
                f"{left} left, run it again to resume."
                if stop.is_set() and left > 0
                else f"Series {plan.series!r}: {counts}."
            )
            ok = not result.failed
        self.post_message(SeriesEnded(summary, self._quiet_load(recent), ok=ok))

    @on(SeriesProgress)
    def _series_progress(self, message: SeriesProgress) -> None:
        self.query_one(GenerationStatus).note(message.text)
        if message.session is not None:
            self._refresh_session(message.session)

    @on(SeriesEnded)
    def _series_ended(self, message: SeriesEnded) -> None:
        self.series_stop = None
        self._set_generating(False)
        if message.session is not None:
            self._refresh_session(message.session)
        self.notify(
            message.summary, title="Series", severity="information" if message.ok else "error", timeout=10
        )
