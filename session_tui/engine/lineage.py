"""Engine operations that make a new session from an old one: reset by promotion and fork."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable

from session_tui.domain.model import (
    ImageRef,
    Lineage,
    ReferenceImage,
    Session,
    utcnow,
    validate_name,
)
from session_tui.domain.vocabulary import MAX_REFERENCES
from session_tui.engine.base import EngineBase
from session_tui.errors import CorruptSession, InvalidInput
from session_tui.store.atomic import storage_errors
from session_tui.store.sessions import SessionDir


class LineageOps(EngineBase):
    """Part of Engine. The source session is only read; the new one is built staged, then renamed."""

    def free_name(self, base: str, suffix: str) -> str:
        store = self.store
        for n in range(1, 10_000):
            candidate = f"{base[: 100 - len(suffix) - 5]}-{suffix}{n}"
            if not store.exists(candidate):
                return candidate
        raise InvalidInput(
            f"Could not find a free name for a session made from {base!r}; give one with --into."
        )

    def reset(
        self,
        name: str,
        *,
        checkpoint: str | None = None,
        turn: int | None = None,
        into: str | None = None,
        keep_refs: bool = False,
        keep: Iterable[str] | None = None,
    ) -> Session:
        """Reset by promotion: a fresh conversation whose first reference is the promoted image.

        ``keep_refs`` carries every old reference; ``keep`` (sha256 prefixes) carries a chosen few.
        """
        src = self.session_dir(name)
        session = src.load()
        if checkpoint is not None:
            cp = session.checkpoint(checkpoint)
            image, lineage = (
                cp.image,
                Lineage(
                    session=name, kind="reset", checkpoint=cp.id, turn=cp.turn, image_sha256=cp.image.sha256
                ),
            )
            label = f"{cp.label or cp.id} from {name}"
        elif turn is not None:
            t = session.turn(turn)
            if not t.images:
                raise InvalidInput(f"Turn {turn} has no image to promote.")
            image, lineage = (
                t.images[0],
                Lineage(session=name, kind="reset", turn=turn, image_sha256=t.images[0].sha256),
            )
            label = f"turn {turn} from {name}"
        else:
            raise InvalidInput("Say which image to promote: a checkpoint (id or label) or a turn.")
        new_name = validate_name(into) if into else self.free_name(name, "r")
        promoted = ReferenceImage(
            **image.model_dump(),
            label=label,
            role="promoted",
            source=f"promoted:{name}/{lineage.checkpoint or f'turn{turn}'}",
        )
        old = session.header.references
        if not keep_refs:
            wanted = list(keep or ())
            old = [r for r in old if any(r.sha256.startswith(k) for k in wanted)] if wanted else []
        refs = [promoted, *[r for r in old if r.sha256 != image.sha256]]
        if len(refs) > MAX_REFERENCES:
            raise InvalidInput(
                f"The new session would hold {len(refs)} references, over the limit of "
                f"{MAX_REFERENCES}; keep fewer of the old ones."
            )
        header = session.header.model_copy(
            update={"name": new_name, "created_at": utcnow(), "references": refs, "parent": lineage}
        )
        return self.store.create(header, lambda sd: copy_blobs(src, sd, refs)).load()

    def fork(self, name: str, *, turn: int, into: str | None = None) -> Session:
        """Continue from turn ``turn`` in a new session; the original is untouched."""
        src = self.session_dir(name)
        session = src.load()
        session.turn(turn)  # refuses a turn that does not exist
        new_name = validate_name(into) if into else self.free_name(name, "f")
        turns = [t for t in session.turns if t.index <= turn]
        cps = [c for c in session.checkpoints if c.turn <= turn]
        header = session.header.model_copy(
            update={
                "name": new_name,
                "created_at": utcnow(),
                "parent": Lineage(session=name, kind="fork", turn=turn),
            }
        )

        def populate(sd: SessionDir) -> None:
            images: list[ImageRef] = [*header.references, *(i for t in turns for i in t.images)]
            copy_blobs(src, sd, images)
            for t in turns:
                sd.append_turn(t)
            for c in cps:
                sd.append_checkpoint(c)

        return self.store.create(header, populate).load()


def copy_blobs(src: SessionDir, dst: SessionDir, images: Iterable[ImageRef]) -> None:
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
