"""Engine operations that change a session's header: references, parameters, spec, provider."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from session_tui.domain.model import CharacterSpec, GenerationParams, Session, SessionHeader, make
from session_tui.engine.base import EngineBase
from session_tui.engine.refs import ReadRef, RefInput, read_ref, store_ref
from session_tui.errors import InvalidInput
from session_tui.store.atomic import storage_errors
from session_tui.store.sessions import SessionDir


class HeaderEdits(EngineBase):
    """Part of Engine. Each edit runs under the session lock and saves the header atomically."""

    def add_references(
        self,
        name: str,
        refs: Iterable[RefInput],
        before_store: Callable[[SessionDir, SessionHeader, list[ReadRef]], None] | None = None,
    ) -> Session:
        """Add ``refs``; ``before_store`` may refuse them (raise) once they are read, before anything
        is written."""
        sd = self.session_dir(name)
        refs = list(refs)
        loaded = [(r, read_ref(r)) for r in refs]
        with sd.lock():
            header = sd.read_header()
            self.check_ref_count(self.provider(header.provider), len(header.references) + len(refs))
            if before_store is not None:
                before_store(sd, header, [read for _, read in loaded])
            known = {r.sha256 for r in header.references}
            for r, read in loaded:
                ref = store_ref(sd, r, read)
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
        """Drop the reference; its stored image goes too unless a turn, checkpoint or reference uses it.

        A turn that was drawn from the reference keeps its image (the turn names it as an input)."""
        sd = self.session_dir(name)
        with sd.lock():
            header = sd.read_header()
            gone = [r for r in header.references if r.sha256.startswith(sha256)]
            if not gone:
                raise InvalidInput(f"Session {name!r} has no reference {sha256[:12]!r}.")
            header.references = [r for r in header.references if r not in gone]
            sd.write_header(header)
            session = sd.load()
            kept = {r.sha256 for r in header.references}
            for ref in gone:
                if ref.sha256 not in kept and not session.turns_using(ref.sha256):
                    path = sd.blobs.path(ref)
                    with storage_errors("remove", path):
                        path.unlink(missing_ok=True)
        return sd.load()

    def set_params(self, name: str, **changes: Any) -> Session:
        def change(header: SessionHeader) -> None:
            params = header.params.merged(**changes)
            changed = [k for k, v in changes.items() if v is not None]
            self.check_params(self.provider(header.provider), params, only=changed)
            header.params = params

        return self.update_header(name, change)

    def relabel_reference(self, name: str, sha256: str, label: str) -> Session:
        label = label.strip()
        if not label:
            raise InvalidInput("The label is empty; give the reference a short name such as 'front'.")

        def change(header: SessionHeader) -> None:
            matches = [r for r in header.references if sha256 and r.sha256.startswith(sha256)]
            if len(matches) != 1:
                raise InvalidInput(
                    f"Session {name!r} has no reference {sha256[:12]!r}."
                    if not matches
                    else f"Several references start with {sha256!r}; give more of the hash."
                )
            header.references = [
                r.model_copy(update={"label": label}) if r is matches[0] else r for r in header.references
            ]

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
            self.check_params(provider, header.params)
            self.check_ref_count(provider, len(header.references))
            header.provider, header.kind, header.model = provider.name, provider.kind, provider.model

        return self.update_header(name, change)
