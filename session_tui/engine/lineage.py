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
    SessionHeader,
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
        provider: str | None = None,
    ) -> Session:
        """Reset by promotion: a fresh conversation whose first reference is the promoted image.

        ``keep_refs`` carries every old reference; ``keep`` (sha256 prefixes) carries a chosen few;
        ``provider`` moves the new session to another profile (a seeded prototype to Nano Banana).
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
        header, notes = self.move_header(header, provider, len(refs))
        created = self.store.create(header, lambda sd: copy_blobs(src, sd, refs)).load()
        created.warnings.extend(notes)
        return created

    def move_header(
        self, header: SessionHeader, provider: str | None, references: int
    ) -> tuple[SessionHeader, list[str]]:
        """``header`` moved to profile ``provider`` (unchanged for None or the same profile), with
        the parameters the new model does not offer replaced by the nearest it does, each said."""
        if provider is None or provider == header.provider:
            return header, []
        prov = self.provider(provider)
        self.check_ref_count(prov, references)
        caps = prov.capabilities()
        params, notes = header.params, []
        if params.image_size not in caps.image_sizes:
            size = "1K" if "1K" in caps.image_sizes else caps.image_sizes[0]
            notes.append(
                f"{prov.name} does not offer image size {params.image_size}; the new session uses {size}."
            )
            params = params.model_copy(update={"image_size": size})
        if params.aspect_ratio not in caps.aspect_ratios:
            ratio = nearest_ratio(params.aspect_ratio, caps.aspect_ratios)
            notes.append(
                f"{prov.name} does not offer aspect ratio {params.aspect_ratio}; "
                f"the new session uses {ratio}."
            )
            params = params.model_copy(update={"aspect_ratio": ratio})
        self.check_params(prov, params)
        parent = header.parent.model_copy(update={"moved_from": header.provider}) if header.parent else None
        moved = header.model_copy(
            update={
                "provider": prov.name,
                "kind": prov.kind,
                "model": prov.model,
                "params": params,
                "parent": parent,
            }
        )
        return moved, notes

    def fork(self, name: str, *, turn: int, into: str | None = None, provider: str | None = None) -> Session:
        """Continue from turn ``turn`` in a new session; the original is untouched. ``provider`` moves
        the new session to another profile: the turns it copies keep what the old model said, and
        a send there replays none of the old service's state (see TurnOps.send)."""
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
        header, notes = self.move_header(header, provider, len(header.references))

        def populate(sd: SessionDir) -> None:
            images: list[ImageRef] = [*header.references, *(i for t in turns for i in t.images)]
            copy_blobs(src, sd, images)
            for t in turns:
                sd.append_turn(t)
            for c in cps:
                sd.append_checkpoint(c)

        created = self.store.create(header, populate).load()
        created.warnings.extend(notes)
        return created


def nearest_ratio(ratio: str, offered: tuple[str, ...]) -> str:
    """The offered ratio closest to ``ratio`` (by the logarithm of width over height)."""
    import math

    def log_ratio(r: str) -> float:
        w, _, h = r.partition(":")
        return math.log(int(w) / int(h))

    target = log_ratio(ratio)
    return min(offered, key=lambda r: abs(log_ratio(r) - target))


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
