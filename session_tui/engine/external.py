"""Pictures made or retouched elsewhere, brought back into a session's lineage as turns.

``add`` is the article's step 3 coming home: a view retouched in Krita, or a ComfyUI run made
outside session-tui, becomes a turn of provider ``external``. Its provenance (the tool, the prompt
and the seed written into the file: A1111 ``parameters``, ComfyUI ``prompt``/``workflow``, a
session-tui export) is recorded on the turn; it is scored like any turn, and can be approved and
promoted. Nothing was sent anywhere, so ``prompt_sent`` holds the other tool's prompt, if known.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from session_tui.domain.model import Checkpoint, Turn, utcnow
from session_tui.domain.records import RequestInfo
from session_tui.engine.turns import TurnOps
from session_tui.errors import InvalidInput
from session_tui.media.images import inspect_image, verify_decodes
from session_tui.media.provenance import Provenance, read_provenance
from session_tui.media.userfiles import read_user_file

EXTERNAL = "external"
_STATE_TEXT_MAX = 190  # show --json prints provider_state scalars under 200 characters


class ExternalOps(TurnOps):
    """Part of Engine: ``add`` records a file as a turn; with a label it is approved at once."""

    def add_external(
        self, name: str, path: Path, *, note: str = "", label: str = ""
    ) -> tuple[Turn, Checkpoint | None]:
        data = read_user_file(path, "Image")
        what = f"Image {path.name!r}"
        inspect_image(data, what)
        small = verify_decodes(data, what, small=True)  # refuse a broken file before anything is written
        found = read_provenance(data)
        label = label.strip()
        if re.fullmatch(r"cp\d+", label):
            raise InvalidInput(f"The label {label!r} looks like a checkpoint id; choose another label.")
        sd = self.session_dir(name)
        with sd.lock():
            session = sd.load()
            if label and any(cp.label == label for cp in session.checkpoints):
                raise InvalidInput(f"A checkpoint is already labelled {label!r}; choose another label.")
            used = [t.index for t in session.turns] + [cp.turn for cp in session.checkpoints]
            source = str(path.expanduser().absolute())
            provenance: dict[str, Any] = {"file": source}
            if found is not None:
                provenance.update(tool=found.tool, prompt=found.prompt, seed=found.seed)
            started = time.monotonic()
            image = sd.blobs.put(data, what, decoded=True)
            turn = Turn(
                index=max(used, default=0) + 1,
                prompt=note.strip() or f"(added from {path.name})",
                prompt_sent=(found.prompt or "") if found is not None else "",
                params=session.header.params.merged(),
                provider=EXTERNAL,
                kind=EXTERNAL,
                model=found.tool if found is not None else "unknown tool",
                status="ok",
                images=[image],
                reply_text=f"Added from {source}.",
                provider_state=_state(source, found),
                request=RequestInfo.of({"provenance": provenance}),
            )
            interrupted = self._score(sd, session.header, turn, small)
            turn.finished_at = utcnow()
            turn.duration_s = round(time.monotonic() - started, 3)
            sd.append_turn(turn)
        if interrupted:
            raise KeyboardInterrupt  # delivered once the picture is safely recorded
        checkpoint = self.approve(name, turn=turn.index, label=label, note=note) if label else None
        return turn, checkpoint


def _state(source: str, found: Provenance | None) -> dict[str, Any]:
    """The provenance as short scalars, which ``show`` prints (the full text is in ``request``)."""
    state: dict[str, Any] = {"source_file": source[-_STATE_TEXT_MAX:]}
    if found is not None:
        state["source_tool"] = found.tool[:_STATE_TEXT_MAX]
        if found.prompt:
            state["source_prompt"] = found.prompt[:_STATE_TEXT_MAX]
        if found.seed is not None:
            state["source_seed"] = found.seed
    return state
