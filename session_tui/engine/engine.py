"""The headless engine: the CLI's and the TUI's only way to sessions and providers.

Every writing operation holds the session lock from its first read to its last write, so two
processes never interleave; every refusal happens before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from session_tui.config import Profile
from session_tui.domain.model import (
    CharacterSpec,
    GenerationParams,
    ImageRef,
    ReferenceImage,
    Session,
    SessionHeader,
    Turn,
    validate_name,
)
from session_tui.engine.costs import Cost, CostBook
from session_tui.engine.external import ExternalOps
from session_tui.engine.lifecycle import LifecycleOps
from session_tui.engine.lineage import LineageOps
from session_tui.engine.refs import RefInput, read_ref, store_ref
from session_tui.engine.scores import rescore, score_files
from session_tui.engine.turns import HISTORY_IMAGES
from session_tui.engine.views import SessionPlace
from session_tui.errors import (
    NotFound,
    SessionTuiError,
    StorageError,
)
from session_tui.media.images import inspect_image
from session_tui.media.userfiles import read_user_file
from session_tui.store.sessions import SessionDir, SessionLog, SessionSummary

if TYPE_CHECKING:
    from session_tui.export.exporter import ExportResult
    from session_tui.store.check import CheckReport
    from session_tui.store.importer import ImportResult


T = TypeVar("T")


class Engine(ExternalOps, LineageOps, LifecycleOps):
    """Sessions and providers behind one door: the CLI's and the TUI's only way to either."""

    # -- creating -----------------------------------------------------------------------------
    def new_session(
        self,
        name: str,
        *,
        provider: str | None = None,
        character: CharacterSpec | None = None,
        refs: Iterable[RefInput] = (),
        params: GenerationParams | None = None,
    ) -> Session:
        name = validate_name(name)  # NFC: the folder is named as every later lookup spells it
        prov = self.provider(provider)
        params = params or GenerationParams()
        self.check_params(prov, params)
        refs = list(refs)
        self.check_ref_count(prov, len(refs))
        loaded = [(r, read_ref(r)) for r in refs]  # read everything before creating anything
        header = SessionHeader(
            name=name,
            provider=prov.name,
            kind=prov.kind,
            model=prov.model,
            character=character or CharacterSpec(),
            params=params,
        )

        def populate(sd: SessionDir) -> None:
            stored: list[ReferenceImage] = []
            for r, read in loaded:
                ref = store_ref(sd, r, read)
                if all(ref.sha256 != s.sha256 for s in stored):  # the same image twice is one reference
                    stored.append(ref)
            header.references = stored

        return self.store.create(header, populate).load()

    # -- reads and small edits the TUI needs -------------------------------------------------
    def read_image(self, name: str, ref: ImageRef) -> bytes:
        """The stored bytes of one of the session's images, for display."""
        path = self.session_dir(name).blobs.path(ref)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(
                f"Image {ref.sha256[:12]} of session {name!r} is missing from {path.parent}."
            ) from None
        except OSError as exc:
            raise StorageError(
                f"Could not read image {ref.sha256[:12]} of session {name!r}: {exc.strerror}."
            ) from None

    def request_estimate(self, session: Session) -> tuple[int, int]:
        """About the bytes the next turn sends (references, replayed pictures; base64) and the budget."""
        images: list[ImageRef] = list(session.header.references)
        pictured = [t for t in session.turns if t.status == "ok" and t.images][
            -HISTORY_IMAGES:
        ]  # as _request
        images += [i for t in pictured for i in t.images]
        try:
            budget_mb = self.config.profile(session.header.provider)[1].request_budget_mb
        except SessionTuiError:
            budget_mb = Profile.model_fields["request_budget_mb"].default
        return sum(i.size_bytes for i in images) * 4 // 3, int(budget_mb * 1_000_000)

    def export(
        self,
        name: str,
        out: Path,
        *,
        as_zip: bool = False,
        which: Iterable[str] = (),
        force: bool = False,
    ) -> ExportResult:
        """Checkpoints to a folder (refused if it holds files, unless ``force`` replaces it) or a zip."""
        from session_tui.export import export_session  # Pillow-heavy: loaded only when exporting

        sd = self.session_dir(name)
        return export_session(sd.blobs.read, sd.load(), out, as_zip=as_zip, which=which, force=force)

    # -- what the CLI and the TUI read ----------------------------------------------------------
    def summaries(self) -> list[SessionSummary]:
        """A line's worth of every session in the home, damaged ones included."""
        return self.store.summaries()

    def place(self, name: str) -> SessionPlace:
        """Where session ``name`` and its images are on disk, for output."""
        sd = self.session_dir(name)
        return SessionPlace(sd.path, sd.blobs, CostBook(self.config))

    def session_cost(self, name: str) -> Cost:
        """The total of every turn's cost in session ``name`` (unknown ones counted, never as 0)."""
        book = CostBook(self.config)
        return book.total(self.read_log(name, book.turn_cost).turns)

    def read_log(self, name: str, keep: Callable[[Turn], T]) -> SessionLog[T]:
        """The session as its journal says, each turn as ``keep`` makes it (see SessionDir.read_log)."""
        return self.session_dir(name).read_log(keep)

    @property
    def sessions_root(self) -> Path:
        return self.home.sessions_dir

    # -- scores, maintenance, import --------------------------------------------------------------
    def rescore(
        self, name: str, turns: Iterable[int] = (), *, missing_only: bool = False, backend: str | None = None
    ) -> list[Turn]:
        """(Re)compute the scores of a session's image turns and journal them."""
        return rescore(
            self.session_dir(name), turns, missing_only=missing_only, backend=self.score_backend(backend)
        )

    def score_files(
        self, name: str, paths: Sequence[Path], *, backend: str | None = None
    ) -> list[dict[str, Any]]:
        """Scores of picture files (made anywhere) against the session's references and spec.

        Nothing is stored. Every file is read and checked before any is scored, so one bad file
        refuses the whole command with one sentence.
        """
        sd = self.session_dir(name)
        header = sd.read_header()
        pictures = []
        for path in paths:
            data = read_user_file(path, "Picture")
            inspect_image(data, f"Picture {path.name!r}")  # any image a reference accepts, JPEG included
            pictures.append((str(path), data))
        return score_files(sd, header, pictures, self.score_backend(backend))

    def score_backend(self, asked: str | None) -> str:
        """The backend asked for, else config.toml's ``score_backend``."""
        return asked or self.config.score_backend

    def check(self, name: str | None = None, *, repair: bool = False) -> list[CheckReport]:
        """Check one session (or the whole home, ``name`` None), repairing what can be repaired."""
        from session_tui.store.check import check_home, check_session

        if name is not None:
            return [check_session(self.store, name, repair=repair)]
        return check_home(self.store, repair=repair)

    def import_zip(self, zip_path: Path, name: str | None = None) -> ImportResult:
        """Import a zipped session folder or an archive (see ``import_archive``, which says more)."""
        return self.import_archive(zip_path, name).result
