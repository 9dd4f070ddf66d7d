"""The conversation: sending a turn (pending first, then finished), scoring it, approving it."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from session_tui.domain.model import (
    Checkpoint,
    Session,
    SessionHeader,
    Turn,
    utcnow,
)
from session_tui.domain.prompting import assemble, touched_rules
from session_tui.domain.records import RequestInfo, Score, SeriesMark, Usage
from session_tui.domain.wording import plural
from session_tui.engine.edits import HeaderEdits
from session_tui.engine.refs import ReadRef, RefInput
from session_tui.errors import (
    Cancelled,
    InvalidInput,
    ProviderError,
    SessionTuiError,
    StorageError,
)
from session_tui.providers.base import GenerationRequest, GenerationResult, HistoryTurn, InputImage, Provider
from session_tui.providers.ratelimit import RateLimiter
from session_tui.store.sessions import SessionDir

if TYPE_CHECKING:
    pass


# Only the newest turns are replayed, so a turn costs the same however long the session grows: an
# image model reads little context (Gemini 3 Pro Image about 65k tokens), the SDK's work grows
# with every message, and carrying every picture made a 1,000-turn session impossible to send.
# Of those turns only the newest bring their pictures: the last is the one being edited.
HISTORY_TURNS = 8
HISTORY_IMAGES = 2
MOVED_NOTICE = (
    "Earlier turns were made by {who}, so what that service keeps of them (thought signatures, thread ids) "
    "was not sent to {model}: their pictures went as plain input images."
)


class TurnOps(HeaderEdits):
    """Part of Engine: the turns of a conversation and their checkpoints."""

    # -- the conversation ---------------------------------------------------------------------
    def preview_prompt(self, session: Session, typed: str) -> str:
        """The exact text ``send`` would transmit for ``typed``."""
        if not session.header.assemble_prompt:
            return typed.strip()
        first = session.last_image_turn() is None
        return assemble(
            session.header.character,
            typed,
            first_turn=first,
            has_references=bool(session.header.references),
            roles=[r.role for r in session.header.references],
        )

    def left_out_rules(self, session: Session, typed: str) -> list[str]:
        """The keep rules ``preview_prompt`` leaves out of ``typed``'s text because the change is
        about what they protect ("make the hoodie blue" and "same orange hoodie"); say so to the user."""
        if not session.header.assemble_prompt:
            return []
        return touched_rules(session.header.character, typed)

    def send(
        self,
        name: str,
        prompt: str,
        *,
        refs: Iterable[RefInput] = (),
        prompt_sent: str | None = None,
        cancel: threading.Event | None = None,
        series: dict[str, Any] | None = None,
        limiter: RateLimiter | None = None,
        history_before: int | None = None,
        **param_changes: Any,
    ) -> Turn:
        """One turn: stored as pending first (so the prompt survives anything), then finished.

        ``limiter``: the rate limiter a series shares between its concurrent scenes (one back-off).
        ``history_before``: replay only the turns before this index (``redo`` re-creates a turn's context).
        """
        if not prompt.strip():
            raise InvalidInput("The prompt is empty; say what to draw or change.")
        refs = list(refs)
        if refs:
            # Refuse bad parameters before the references are added: a refused send writes nothing.
            current = self.session_dir(name).read_header()
            early = self.provider(current.provider)
            self.check_ready(early)
            params = current.params.merged(**param_changes)
            self.check_params(early, params)

            def fits(sd: SessionDir, header: SessionHeader, new: list[ReadRef]) -> None:
                images = [InputImage(r, sd.blobs.read) for r in header.references]
                images += [InputImage(read.image_ref(), read.bytes_of) for read in new]
                early.preflight(GenerationRequest(prompt=prompt, params=params, references=images))

            self.add_references(name, refs, before_store=fits)
        sd, header, provider, turn, request = self._begin(
            name,
            prompt,
            prompt_sent=prompt_sent,
            cancel=cancel,
            series=series,
            param_changes=param_changes,
            history_before=history_before,
        )
        return self._generate_turn(sd, header, provider, turn, request, limiter=limiter)

    def _begin(
        self,
        name: str,
        prompt: str,
        *,
        prompt_sent: str | None,
        cancel: threading.Event | None,
        series: dict[str, Any] | None,
        param_changes: dict[str, Any],
        history_before: int | None = None,
    ) -> tuple[SessionDir, SessionHeader, Provider, Turn, GenerationRequest]:
        """Under the session lock: check, allocate the turn's index and journal it as pending.

        The lock is released before the request is sent, so concurrent scenes of a series (or another
        process) only wait for each other's journal writes, never for each other's pictures.
        """
        sd = self.session_dir(name)
        with sd.lock():
            session = sd.load()
            header = session.header
            provider = self.provider(header.provider)
            self.check_ready(provider)  # a send that can only fail (no key) writes no failed turn
            params = header.params.merged(**param_changes)
            caps = self.check_params(provider, params)
            self.check_ref_count(provider, len(header.references))
            sent = (
                prompt_sent.strip()
                if prompt_sent and prompt_sent.strip()
                else self.preview_prompt(session, prompt)
            )
            # After the highest number ever used: a turn a repair moved away may still be named by
            # a checkpoint, and its number must not come to mean another turn.
            used = [t.index for t in session.turns] + [cp.turn for cp in session.checkpoints]
            index = max(used, default=0) + 1
            turn = Turn(
                index=index,
                prompt=prompt,
                prompt_sent=sent,
                params=params,
                provider=provider.name,
                kind=provider.kind,
                model=provider.model,
                seed_honoured=caps.seed_honoured and params.seed is not None,
                series=SeriesMark.of(series) if series is not None else None,
            )
            request = self._request(
                sd, session, turn, cancel or threading.Event(), history_before, provider.state_scope()
            )
            if series is not None:
                request.history = []  # a series scene is a fresh picture from the references, not an edit
            provider.preflight(request)  # over budget whatever is condensed: refused, nothing written
            turn.input_images = [r.sha256 for r in request.references] + [
                img.sha256 for h in request.history[-1:] for img in h.images
            ]
            del session  # the request holds what it needs; a long conversation is let go meanwhile
            sd.append_turn(turn)
        return sd, header, provider, turn, request

    def _generate_turn(
        self,
        sd: SessionDir,
        header: SessionHeader,
        provider: Provider,
        turn: Turn,
        request: GenerationRequest,
        *,
        limiter: RateLimiter | None = None,
    ) -> Turn:
        """Send a journalled pending turn (outside the lock) and record how it ended."""
        started = time.monotonic()
        try:
            result = limiter.call(provider, request) if limiter is not None else provider.generate(request)
            if request.cancel.is_set():
                raise Cancelled("The turn was cancelled; the prompt is kept.")
        except (SessionTuiError, KeyboardInterrupt) as exc:
            self._finish(sd, turn, started, failure=exc)
            raise
        except Exception as exc:
            # A provider bug or an unwrapped library error is still a failed turn, not a traceback.
            failure = ProviderError(f"The provider failed unexpectedly ({type(exc).__name__}: {exc}).")
            self._finish(sd, turn, started, failure=failure)
            raise failure from exc
        moved = sorted({h.made_by for h in request.history if h.made_by and h.images})
        if moved:
            notice = MOVED_NOTICE.format(who=" and ".join(moved), model=provider.model)
            earlier = result.request_info.get("notice")
            result.request_info["notice"] = f"{notice} {earlier}" if earlier else notice
            result.text = f"{notice} {result.text}".strip()
        if result.provider_state:
            turn.state_scope = provider.state_scope()
        return self._complete(sd, header, turn, result, started)

    def _complete(
        self, sd: SessionDir, header: SessionHeader, turn: Turn, result: GenerationResult, started: float
    ) -> Turn:
        """Store a pending turn's pictures, score them and journal the finished record."""
        try:
            if not result.images:
                raise ProviderError(
                    "The service answered with text but no image"
                    + (f": {result.text[:200]}" if result.text else "."),
                    reply_text=result.text,
                )
            # Content-addressed and written atomically: safe without the lock.
            turn.images = [
                sd.blobs.put(data, "The image the provider returned", decoded=result.decoded)
                for data in result.images
            ]
        except (SessionTuiError, KeyboardInterrupt) as exc:
            if not isinstance(exc, StorageError):
                self._finish(sd, turn, started, failure=exc)
                raise
            # The picture could not be stored (disk full, read-only), but the turn is journalled:
            # "nothing was changed" would be untrue, so say where the prompt is.
            try:
                self._finish(sd, turn, started, failure=exc)
                kept = f"the prompt is kept as failed turn {turn.index}"
            except StorageError:
                kept = f"the prompt is kept as interrupted turn {turn.index}"
            exc.message = exc.message.replace("nothing was changed", kept)
            exc.args = (exc.message,)
            raise exc from None
        turn.reply_text = result.text
        turn.usage = Usage.of(result.usage)
        turn.provider_state = result.provider_state
        turn.request = RequestInfo.of(result.request_info)
        turn.model = result.model or turn.model
        turn.seed_honoured = result.seed_honoured and turn.params.seed is not None
        interrupted = self._score(sd, header, turn, result.previews[0] if result.previews else None)
        self._finish(sd, turn, started)
        if interrupted:
            raise KeyboardInterrupt  # delivered once the picture is safely recorded
        return turn

    @staticmethod
    def _score(sd: SessionDir, header: SessionHeader, turn: Turn, preview: Any = None) -> bool:
        """Put the local consistency score on the turn; never fails it. True if Ctrl-C came meanwhile.

        ``preview``: the small copy the provider made when it decoded the picture, if it did.
        """
        from session_tui.engine.scores import score_image  # Pillow work: loaded only when a turn is made

        try:
            turn.score = Score.of(score_image(sd, header, turn.images[0], preview))
        except KeyboardInterrupt:
            return True
        except SessionTuiError:
            turn.score = None  # 'session-tui score NAME' can compute it later
        return False

    def _finish(
        self, sd: SessionDir, turn: Turn, started: float, failure: BaseException | None = None
    ) -> None:
        turn.finished_at = utcnow()
        turn.duration_s = round(time.monotonic() - started, 3)
        if failure is None:
            turn.status = "ok"
        elif isinstance(failure, (Cancelled, KeyboardInterrupt)):
            turn.status, turn.error = "cancelled", "cancelled by the user"
        else:
            turn.status = "failed"
            turn.error = failure.message if isinstance(failure, SessionTuiError) else str(failure)
            if isinstance(failure, ProviderError) and failure.reply_text:
                turn.reply_text = failure.reply_text
        with sd.lock():  # the request ran outside the lock: take it again for the journal write
            sd.append_turn(turn)

    def _request(
        self,
        sd: SessionDir,
        session: Session,
        turn: Turn,
        cancel: threading.Event,
        history_before: int | None = None,
        scope: dict[str, str] | None = None,
    ) -> GenerationRequest:
        """``scope``: the sending provider's (``Provider.state_scope``); a turn made under another
        scope is replayed without its provider state."""
        load = sd.blobs.read
        references = [InputImage(r, load, r.label, r.role) for r in session.header.references]
        before = history_before if history_before is not None else turn.index
        done = [t for t in session.turns if t.status == "ok" and t.images and t.index < before]
        done = done[-HISTORY_TURNS:]
        pictured = len(done) - HISTORY_IMAGES  # older turns are replayed as text only
        history = []
        for n, t in enumerate(done):
            own = scope is None or _same_scope(t, turn, scope)
            history.append(
                HistoryTurn(
                    t.index,
                    t.prompt,
                    t.prompt_sent,
                    t.reply_text,
                    [InputImage(i, load) for i in t.images] if n >= pictured else [],
                    t.provider_state if own else {},
                    made_by="" if own else f"{t.model or t.kind} ({t.provider})",
                )
            )
        return GenerationRequest(
            prompt=turn.prompt_sent,
            typed=turn.prompt,
            params=turn.params,
            references=references,
            history=history,
            character=session.header.character,
            cancel=cancel,
        )

    def redo(self, name: str, turn: int, *, cancel: threading.Event | None = None) -> Turn:
        """Send turn ``turn`` again as a new turn: its prompt as typed and as sent, its parameters, its
        seed (the one it asked for, else the one the provider recorded using) and the turns before it.
        On a tool that honours the seed the picture is the same; elsewhere it is a new attempt."""
        old = self.load(name).turn(turn)
        if old.kind == "external":
            raise InvalidInput(f"Turn {turn} was added from a file; there is nothing to send again.")
        seed = old.params.seed
        used = old.provider_state.get("seed_used")
        if seed is None and isinstance(used, int) and not isinstance(used, bool):
            seed = used
        return self.send(
            name,
            old.prompt,
            prompt_sent=old.prompt_sent or None,
            cancel=cancel,
            history_before=1 if old.series is not None else turn,
            aspect_ratio=old.params.aspect_ratio,
            image_size=old.params.image_size,
            seed=seed,
            extras=old.params.extras or None,
        )

    def approve(
        self,
        name: str,
        *,
        turn: int | None = None,
        label: str = "",
        note: str = "",
        image: int = 1,
        again: bool = False,
    ) -> Checkpoint:
        """Save a turn's image as a checkpoint.

        An image that is a checkpoint already is not saved twice: that checkpoint comes back (its
        ``created_at`` is older than the call, which is how a caller tells), with a new label or
        note written onto it. ``again`` makes a second checkpoint of the same image anyway.
        """
        sd = self.session_dir(name)
        with sd.lock():
            session = sd.load()
            if turn is None:
                chosen = session.last_image_turn()
                if chosen is None:
                    raise InvalidInput(f"Session {name!r} has no turn with an image to approve yet.")
            else:
                chosen = session.turn(turn)
            if chosen.status != "ok" or not chosen.images:
                raise InvalidInput(
                    f"Turn {chosen.index} has no image to approve (its status is {chosen.status})."
                )
            if not 1 <= image <= len(chosen.images):
                raise InvalidInput(
                    f"Turn {chosen.index} has {plural(len(chosen.images), 'image')}; "
                    f"pick 1 to {len(chosen.images)}."
                )
            label = label.strip()
            picked = chosen.images[image - 1]
            existing = (
                None
                if again
                else next(
                    (
                        cp
                        for cp in session.checkpoints
                        if cp.turn == chosen.index and cp.image.sha256 == picked.sha256
                    ),
                    None,
                )
            )
            if label and any(cp.label == label and cp is not existing for cp in session.checkpoints):
                raise InvalidInput(f"A checkpoint is already labelled {label!r}; choose another label.")
            if re.fullmatch(r"cp\d+", label):  # ids are looked up first, so such a label would be shadowed
                raise InvalidInput(f"The label {label!r} looks like a checkpoint id; choose another label.")
            if existing is not None:
                changes = {k: v for k, v in (("label", label), ("note", note.strip())) if v}
                if changes and any(getattr(existing, k) != v for k, v in changes.items()):
                    existing = existing.model_copy(update=changes)
                    sd.append_checkpoint(existing)  # the newest record of an id is the one read
                return existing
            # Only plain "cpN" ids count: a hostile journal's "cp²" or a 5,000-digit id must not crash int().
            number = 1 + max(
                (
                    int(cp.id[2:])
                    for cp in session.checkpoints
                    if cp.id[2:].isascii() and cp.id[2:].isdecimal() and len(cp.id) <= 12
                ),
                default=0,
            )
            cp = Checkpoint(
                id=f"cp{number}",
                turn=chosen.index,
                image=picked,
                label=label,
                note=note.strip(),
            )
            sd.append_checkpoint(cp)
            return cp


def _same_scope(made: Turn, sending: Turn, scope: dict[str, str]) -> bool:
    """Whether the state ``made`` keeps is valid for the provider ``sending`` goes to: by the scope
    stamped on it, or (a turn from before the stamp) by the same profile and kind."""
    if not made.provider_state:
        return True  # nothing to withhold
    if made.state_scope:
        return made.state_scope == scope
    return made.provider == sending.provider and made.kind == sending.kind
