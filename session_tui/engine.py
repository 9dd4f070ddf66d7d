"""The headless engine: the CLI's and the TUI's only way to sessions and providers.

Every writing operation holds the session lock from its first read to its last write, so two
processes never interleave; every refusal happens before anything is written.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from session_tui.config import Config, Profile, load_config
from session_tui.errors import (
    Cancelled,
    CorruptSession,
    InvalidInput,
    NotFound,
    ProviderError,
    SessionTuiError,
    StorageError,
)
from session_tui.images import inspect_image, verify_decodes
from session_tui.model import (
    MAX_REFERENCES,
    CharacterSpec,
    Checkpoint,
    GenerationParams,
    ImageRef,
    Lineage,
    ReferenceImage,
    Session,
    SessionHeader,
    Turn,
    make,
    utcnow,
    validate_name,
)
from session_tui.paths import Home
from session_tui.prompting import assemble
from session_tui.providers.base import GenerationRequest, HistoryTurn, InputImage, Provider
from session_tui.providers.registry import provider_for
from session_tui.store.atomic import storage_errors
from session_tui.store.sessions import SessionDir, Store
from session_tui.userfiles import read_user_file

if TYPE_CHECKING:
    from session_tui.export.exporter import ExportResult


@dataclass(frozen=True)
class RefInput:
    """A reference image to add: a file path, with an optional label and role."""

    path: Path
    label: str = ""
    role: str = "other"

    @classmethod
    def parse(cls, text: str) -> RefInput:
        """``PATH`` or ``PATH=LABEL`` (a path that itself contains '=' still works)."""
        path, sep, label = text.rpartition("=")
        if not sep or Path(text).exists():
            return cls(Path(text))
        return cls(Path(path), label.strip())


ProviderFactory = Callable[[Config, str | None, Home], Provider]

# Only the newest turns' pictures are sent again: the last is the one being edited, and carrying
# every earlier picture would make each turn cost more the longer the session grows (a
# 1,000-turn session could not be sent at all). Earlier turns still go as text.
HISTORY_IMAGES = 2


class Engine:
    def __init__(self, home: Home, config: Config | None = None,
                 provider_factory: ProviderFactory = provider_for) -> None:
        self.home = home
        self._config = config
        self._provider_factory = provider_factory

    # -- reading ------------------------------------------------------------------------------
    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.home)
        return self._config

    @property
    def store(self) -> Store:
        return Store(self.home.sessions_dir, self.config.lock_timeout_s)

    def session_dir(self, name: str) -> SessionDir:
        return self.store.session(name)

    def load(self, name: str) -> Session:
        return self.session_dir(name).load()

    def provider(self, profile: str | None) -> Provider:
        return self._provider_factory(self.config, profile, self.home)

    # -- creating -----------------------------------------------------------------------------
    def new_session(self, name: str, *, provider: str | None = None, character: CharacterSpec | None = None,
                    refs: Iterable[RefInput] = (), params: GenerationParams | None = None) -> Session:
        validate_name(name)
        prov = self.provider(provider)
        params = params or GenerationParams()
        self._check_params(prov, params)
        refs = list(refs)
        self._check_ref_count(prov, len(refs))
        loaded = [(r, _read_ref(r)) for r in refs]  # read everything before creating anything
        header = SessionHeader(name=name, provider=prov.name, kind=prov.kind, model=prov.model,
                               character=character or CharacterSpec(), params=params)

        def populate(sd: SessionDir) -> None:
            stored: list[ReferenceImage] = []
            for r, data in loaded:
                ref = _store_ref(sd, r, data)
                if all(ref.sha256 != s.sha256 for s in stored):  # the same image twice is one reference
                    stored.append(ref)
            header.references = stored

        return self.store.create(header, populate).load()

    def add_references(self, name: str, refs: Iterable[RefInput]) -> Session:
        sd = self.session_dir(name)
        refs = list(refs)
        loaded = [(r, _read_ref(r)) for r in refs]
        with sd.lock():
            header = sd.read_header()
            self._check_ref_count(self.provider(header.provider), len(header.references) + len(refs))
            known = {r.sha256 for r in header.references}
            for r, data in loaded:
                ref = _store_ref(sd, r, data)
                if ref.sha256 not in known:
                    header.references = [*header.references, ref]
                    known.add(ref.sha256)
            sd.write_header(header)
        return sd.load()

    def update_header(self, name: str, change: Callable[[SessionHeader], None]) -> Session:
        """Apply ``change`` (which may raise to refuse) to the header and save it atomically."""
        sd = self.session_dir(name)
        with sd.lock():
            header = sd.read_header()
            change(header)
            header = SessionHeader.model_validate(header.model_dump())
            sd.write_header(header)
        return sd.load()

    def remove_reference(self, name: str, sha256: str) -> Session:
        def change(header: SessionHeader) -> None:
            kept = [r for r in header.references if not r.sha256.startswith(sha256)]
            if len(kept) == len(header.references):
                raise InvalidInput(f"Session {name!r} has no reference {sha256[:12]!r}.")
            header.references = kept
        return self.update_header(name, change)

    def set_params(self, name: str, **changes: Any) -> Session:
        def change(header: SessionHeader) -> None:
            params = header.params.merged(**changes)
            self._check_params(self.provider(header.provider), params)
            header.params = params
        return self.update_header(name, change)

    # -- the conversation ---------------------------------------------------------------------
    def preview_prompt(self, session: Session, typed: str) -> str:
        """The exact text ``send`` would transmit for ``typed``."""
        if not session.header.assemble_prompt:
            return typed.strip()
        first = session.last_image_turn() is None
        return assemble(session.header.character, typed, first_turn=first,
                        has_references=bool(session.header.references),
                        roles=[r.role for r in session.header.references])

    def send(self, name: str, prompt: str, *, refs: Iterable[RefInput] = (), prompt_sent: str | None = None,
             cancel: threading.Event | None = None, series: dict[str, Any] | None = None,
             **param_changes: Any) -> Turn:
        """One turn: stored as pending first (so the prompt survives anything), then finished."""
        if not prompt.strip():
            raise InvalidInput("The prompt is empty; say what to draw or change.")
        refs = list(refs)
        if refs:
            # Refuse bad parameters before the references are added: a refused send writes nothing.
            current = self.session_dir(name).read_header()
            self._check_params(self.provider(current.provider), current.params.merged(**param_changes))
            self.add_references(name, refs)
        sd = self.session_dir(name)
        with sd.lock():
            session = sd.load()
            header = session.header
            provider = self.provider(header.provider)
            params = header.params.merged(**param_changes)
            caps = self._check_params(provider, params)
            self._check_ref_count(provider, len(header.references))
            sent = prompt_sent.strip() if prompt_sent and prompt_sent.strip() else self.preview_prompt(session, prompt)
            index = (session.turns[-1].index + 1) if session.turns else 1
            turn = Turn(index=index, prompt=prompt, prompt_sent=sent, params=params, provider=provider.name,
                        kind=provider.kind, model=provider.model,
                        seed_honoured=caps.seed_honoured and params.seed is not None, series=series)
            request = self._request(sd, session, turn, cancel or threading.Event())
            if series is not None:
                request.history = []  # a series scene is a fresh picture from the references, not an edit
            turn.input_images = [r.sha256 for r in request.references] + [
                img.sha256 for h in request.history[-1:] for img in h.images]
            sd.append_turn(turn)
            started = time.monotonic()
            try:
                result = provider.generate(request)
                if request.cancel.is_set():
                    raise Cancelled("The turn was cancelled; the prompt is kept.")
                if not result.images:
                    raise ProviderError(
                        "The service answered with text but no image" + (f": {result.text[:200]}" if result.text else "."),
                        reply_text=result.text)
                turn.images = [sd.blobs.put(data, "The image the provider returned") for data in result.images]
            except (SessionTuiError, KeyboardInterrupt) as exc:
                self._finish(sd, turn, started, failure=exc)
                raise
            except Exception as exc:
                # A provider bug or an unwrapped library error is still a failed turn, not a traceback.
                failure = ProviderError(f"The provider failed unexpectedly ({type(exc).__name__}: {exc}).")
                self._finish(sd, turn, started, failure=failure)
                raise failure from exc
            turn.reply_text = result.text
            turn.usage = result.usage
            turn.provider_state = result.provider_state
            turn.request = result.request_info
            turn.model = result.model or turn.model
            turn.seed_honoured = result.seed_honoured and params.seed is not None
            interrupted = self._score(sd, header, turn)
            self._finish(sd, turn, started)
            if interrupted:
                raise KeyboardInterrupt  # delivered once the picture is safely recorded
            return turn

    @staticmethod
    def _score(sd: SessionDir, header: SessionHeader, turn: Turn) -> bool:
        """Put the local consistency score on the turn; never fails it. True if Ctrl-C came meanwhile."""
        from session_tui.scoring.session import score_image  # Pillow work: loaded only when a turn is made

        try:
            turn.score = score_image(sd, header, turn.images[0])
        except KeyboardInterrupt:
            return True
        except SessionTuiError:
            turn.score = None  # 'session-tui score NAME' can compute it later
        return False

    def _finish(self, sd: SessionDir, turn: Turn, started: float, failure: BaseException | None = None) -> None:
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
        sd.append_turn(turn)

    def _request(self, sd: SessionDir, session: Session, turn: Turn, cancel: threading.Event) -> GenerationRequest:
        load = sd.blobs.read
        references = [InputImage(r, load, r.label, r.role) for r in session.header.references]
        done = [t for t in session.turns if t.status == "ok" and t.images]
        pictured = len(done) - HISTORY_IMAGES  # older turns are replayed as text only
        history = [
            HistoryTurn(t.index, t.prompt, t.prompt_sent, t.reply_text,
                        [InputImage(i, load) for i in t.images] if n >= pictured else [], t.provider_state)
            for n, t in enumerate(done)
        ]
        return GenerationRequest(prompt=turn.prompt_sent, typed=turn.prompt, params=turn.params,
                                 references=references, history=history,
                                 character=session.header.character, cancel=cancel)

    def approve(self, name: str, *, turn: int | None = None, label: str = "", note: str = "",
                image: int = 1) -> Checkpoint:
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
                raise InvalidInput(f"Turn {chosen.index} has no image to approve (its status is {chosen.status}).")
            if not 1 <= image <= len(chosen.images):
                raise InvalidInput(f"Turn {chosen.index} has {len(chosen.images)} image(s); pick 1 to {len(chosen.images)}.")
            label = label.strip()
            if label and any(cp.label == label for cp in session.checkpoints):
                raise InvalidInput(f"A checkpoint is already labelled {label!r}; choose another label.")
            if re.fullmatch(r"cp\d+", label):  # ids are looked up first, so such a label would be shadowed
                raise InvalidInput(f"The label {label!r} looks like a checkpoint id; choose another label.")
            # Only plain "cpN" ids count: a hostile journal's "cp²" or a 5,000-digit id must not crash int().
            number = 1 + max((int(cp.id[2:]) for cp in session.checkpoints
                              if cp.id[2:].isascii() and cp.id[2:].isdecimal() and len(cp.id) <= 12), default=0)
            cp = Checkpoint(id=f"cp{number}", turn=chosen.index, image=chosen.images[image - 1],
                            label=label, note=note.strip())
            sd.append_checkpoint(cp)
            return cp

    # -- new sessions from old ones -----------------------------------------------------------
    def free_name(self, base: str, suffix: str) -> str:
        store = self.store
        for n in range(1, 10_000):
            candidate = f"{base[: 100 - len(suffix) - 5]}-{suffix}{n}"
            if not store.exists(candidate):
                return candidate
        raise InvalidInput(f"Could not find a free name for a session made from {base!r}; give one with --into.")

    def reset(self, name: str, *, checkpoint: str | None = None, turn: int | None = None,
              into: str | None = None, keep_refs: bool = False, keep: Iterable[str] | None = None) -> Session:
        """Reset by promotion: a fresh conversation whose first reference is the promoted image.

        ``keep_refs`` carries every old reference; ``keep`` (sha256 prefixes) carries a chosen few.
        """
        src = self.session_dir(name)
        session = src.load()
        if checkpoint is not None:
            cp = session.checkpoint(checkpoint)
            image, lineage = cp.image, Lineage(session=name, kind="reset", checkpoint=cp.id, turn=cp.turn,
                                               image_sha256=cp.image.sha256)
            label = f"{cp.label or cp.id} from {name}"
        elif turn is not None:
            t = session.turn(turn)
            if not t.images:
                raise InvalidInput(f"Turn {turn} has no image to promote.")
            image, lineage = t.images[0], Lineage(session=name, kind="reset", turn=turn, image_sha256=t.images[0].sha256)
            label = f"turn {turn} from {name}"
        else:
            raise InvalidInput("Say which image to promote: a checkpoint (id or label) or a turn.")
        new_name = validate_name(into) if into else self.free_name(name, "r")
        promoted = ReferenceImage(**image.model_dump(), label=label, role="promoted",
                                  source=f"promoted:{name}/{lineage.checkpoint or f'turn{turn}'}")
        old = session.header.references
        if not keep_refs:
            wanted = list(keep or ())
            old = [r for r in old if any(r.sha256.startswith(k) for k in wanted)] if wanted else []
        refs = [promoted, *[r for r in old if r.sha256 != image.sha256]]
        if len(refs) > MAX_REFERENCES:
            raise InvalidInput(f"The new session would hold {len(refs)} references, over the limit of "
                               f"{MAX_REFERENCES}; keep fewer of the old ones.")
        header = session.header.model_copy(update={"name": new_name, "created_at": utcnow(), "references": refs,
                                                   "parent": lineage})
        return self.store.create(header, lambda sd: _copy_blobs(src, sd, refs)).load()

    def fork(self, name: str, *, turn: int, into: str | None = None) -> Session:
        """Continue from turn ``turn`` in a new session; the original is untouched."""
        src = self.session_dir(name)
        session = src.load()
        session.turn(turn)  # refuses a turn that does not exist
        new_name = validate_name(into) if into else self.free_name(name, "f")
        turns = [t for t in session.turns if t.index <= turn]
        cps = [c for c in session.checkpoints if c.turn <= turn]
        header = session.header.model_copy(update={
            "name": new_name, "created_at": utcnow(), "parent": Lineage(session=name, kind="fork", turn=turn)})

        def populate(sd: SessionDir) -> None:
            images: list[ImageRef] = [*header.references, *(i for t in turns for i in t.images)]
            _copy_blobs(src, sd, images)
            for t in turns:
                sd.append_turn(t)
            for c in cps:
                sd.append_checkpoint(c)

        return self.store.create(header, populate).load()

    def delete(self, name: str) -> None:
        self.store.delete(name)

    # -- reads and small edits the TUI needs -------------------------------------------------
    def read_image(self, name: str, ref: ImageRef) -> bytes:
        """The stored bytes of one of the session's images, for display."""
        path = self.session_dir(name).blobs.path(ref)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"Image {ref.sha256[:12]} of session {name!r} is missing from {path.parent}.") from None
        except OSError as exc:
            raise StorageError(f"Could not read image {ref.sha256[:12]} of session {name!r}: {exc.strerror}.") from None

    def relabel_reference(self, name: str, sha256: str, label: str) -> Session:
        label = label.strip()
        if not label:
            raise InvalidInput("The label is empty; give the reference a short name such as 'front'.")

        def change(header: SessionHeader) -> None:
            matches = [r for r in header.references if sha256 and r.sha256.startswith(sha256)]
            if len(matches) != 1:
                raise InvalidInput(f"Session {name!r} has no reference {sha256[:12]!r}." if not matches
                                   else f"Several references start with {sha256!r}; give more of the hash.")
            header.references = [r.model_copy(update={"label": label}) if r is matches[0] else r
                                 for r in header.references]
        return self.update_header(name, change)

    def set_character(self, name: str, spec: CharacterSpec) -> Session:
        def change(header: SessionHeader) -> None:
            header.character = spec
        return self.update_header(name, change)

    def set_seed(self, name: str, seed: int | None) -> Session:
        """Like ``set_params(seed=...)``, but ``None`` clears the seed instead of keeping it."""
        def change(header: SessionHeader) -> None:
            header.params = make(GenerationParams, {**header.params.model_dump(), "seed": seed})
        return self.update_header(name, change)

    def set_provider(self, name: str, profile: str) -> Session:
        """Move the session to another provider profile, refused if its params or references do not fit."""
        def change(header: SessionHeader) -> None:
            provider = self.provider(profile)
            self._check_params(provider, header.params)
            self._check_ref_count(provider, len(header.references))
            header.provider, header.kind, header.model = provider.name, provider.kind, provider.model
        return self.update_header(name, change)

    def request_estimate(self, session: Session) -> tuple[int, int]:
        """Roughly the bytes the next turn sends (references and the last image, base64) and the budget."""
        images: list[ImageRef] = list(session.header.references)
        last = session.last_image_turn()
        if last is not None:
            images += last.images
        try:
            budget_mb = self.config.profile(session.header.provider)[1].request_budget_mb
        except SessionTuiError:
            budget_mb = Profile.model_fields["request_budget_mb"].default
        return sum(i.size_bytes for i in images) * 4 // 3, int(budget_mb * 1_000_000)

    def export(self, name: str, out: Path, *, as_zip: bool = False, which: Iterable[str] = ()) -> ExportResult:
        from session_tui.export import export_session  # Pillow-heavy: loaded only when exporting

        sd = self.session_dir(name)
        return export_session(sd, sd.load(), out, as_zip=as_zip, which=which)

    # -- checks -------------------------------------------------------------------------------
    @staticmethod
    def _check_params(provider: Provider, params: GenerationParams) -> Any:
        caps = provider.capabilities()
        if params.image_size not in caps.image_sizes:
            raise InvalidInput(f"{provider.name} does not offer image size {params.image_size}; "
                               f"use {', '.join(caps.image_sizes)}.")
        if params.aspect_ratio not in caps.aspect_ratios:
            raise InvalidInput(f"{provider.name} does not offer aspect ratio {params.aspect_ratio}; "
                               f"use {' '.join(caps.aspect_ratios)}.")
        return caps

    @staticmethod
    def _check_ref_count(provider: Provider, count: int) -> None:
        limit = min(MAX_REFERENCES, provider.capabilities().max_references)
        if count > limit:
            raise InvalidInput(f"{count} references is more than {provider.name} ({provider.model}) accepts; "
                               f"the limit is {limit}.")


def _read_ref(ref: RefInput) -> bytes:
    data = read_user_file(ref.path, "Reference image")
    # Check every image before any is stored, so one bad file refuses the command with nothing written.
    what = f"Reference {ref.path.name!r}"
    inspect_image(data, what)
    verify_decodes(data, what)
    return data


def _store_ref(sd: SessionDir, ref: RefInput, data: bytes) -> ReferenceImage:
    from session_tui.provenance import source_fields  # the tool, prompt and seed written into the file

    stored = sd.blobs.put(data, f"Reference {ref.path.name!r}")
    return ReferenceImage(**stored.model_dump(), label=ref.label or ref.path.stem, role=ref.role,
                          source=str(ref.path.expanduser().absolute()), **source_fields(data))


def _copy_blobs(src: SessionDir, dst: SessionDir, images: Iterable[ImageRef]) -> None:
    for image in images:
        target = dst.blobs.path(image)
        if target.exists():
            continue
        problem = src.blobs.verify(image)  # never carry a missing, altered or linked image along
        if problem:
            raise CorruptSession(f"Session {src.name!r}: {problem}; run 'session-tui check {src.name}'.")
        with storage_errors("copy an image into", dst.path):
            target.parent.mkdir(parents=True, exist_ok=True)
            source = src.blobs.path(image)
            try:
                os.link(source, target)  # blobs are immutable, so sharing the inode is safe
            except OSError:
                shutil.copyfile(source, target)
