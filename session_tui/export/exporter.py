"""Write checkpoints to a folder or a zip, atomically: all files or none."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

from session_tui import __version__
from session_tui.domain.model import Checkpoint, ImageRef, Session, Turn
from session_tui.errors import InvalidInput
from session_tui.store.atomic import atomic_write, storage_errors

MANIFEST = "manifest.json"

# The stored bytes of one of the session's images (the engine hands over its blob reader).
ReadImage = Callable[[ImageRef], bytes]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: list[str]


def safe_stem(text: str, limit: int = 60) -> str:
    """A file-name fragment that cannot leave its folder: no separators, no dots at the start."""
    stem = re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-.")
    return stem[:limit] or "image"


def _png_with_text(data: bytes, text: dict[str, str]) -> bytes:
    info = PngImagePlugin.PngInfo()
    with Image.open(io.BytesIO(data)) as img:
        for key, value in img.info.items():
            if isinstance(key, str) and isinstance(value, str) and key not in text:
                info.add_text(key, value)
        for key, value in text.items():
            info.add_itxt(key, value)  # iTXt: UTF-8, so CJK prompts survive
        out = io.BytesIO()
        frame = img if img.mode in ("RGB", "RGBA", "L", "LA", "P") else img.convert("RGBA")
        frame.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _entries(
    read: ReadImage, session: Session, checkpoints: list[Checkpoint]
) -> tuple[dict[str, bytes], dict[str, Any]]:
    files: dict[str, bytes] = {}
    items = []
    h = session.header
    for cp in checkpoints:
        # The checkpoint holds its image; its turn's record may be gone (a repair moved it away).
        turn = session.find_turn(cp.turn) or Turn(index=cp.turn, prompt="")
        name = f"{safe_stem(session.name)}_{cp.id}_{safe_stem(cp.label or f'turn{cp.turn}')}.png"
        meta = {
            "session": session.name,
            "checkpoint": cp.id,
            "label": cp.label,
            "note": cp.note,
            "turn": cp.turn,
            "prompt": turn.prompt,
            "prompt_sent": turn.prompt_sent,
            "params": turn.params.model_dump(mode="json"),
            "provider": turn.provider,
            "kind": turn.kind,
            "model": turn.model,
            "sha256": cp.image.sha256,
            "seed_honoured": turn.seed_honoured,
            "score": turn.score.model_dump(mode="json") if turn.score is not None else None,
        }
        files[name] = _png_with_text(
            read(cp.image),
            {
                "Title": f"{session.name} {cp.id} {cp.label}".strip(),
                "Description": turn.prompt,
                "session-tui": json.dumps(meta, ensure_ascii=False, sort_keys=True),
                "parameters": turn.prompt_sent,
                "Software": f"session-tui {__version__}",
            },
        )
        items.append(
            {
                **meta,
                "file": name,
                "created_at": cp.created_at.isoformat(),
                "original_mime": cp.image.mime,
                "width": cp.image.width,
                "height": cp.image.height,
            }
        )
    manifest = {
        "format": "session-tui-export",
        "version": 1,
        "session_tui": __version__,
        "session": session.name,
        "provider": h.provider,
        "kind": h.kind,
        "model": h.model,
        "lineage": h.parent.model_dump(mode="json") if h.parent else None,
        "character": h.character.model_dump(mode="json"),
        "references": [{"sha256": r.sha256, "label": r.label, "role": r.role} for r in h.references],
        "checkpoints": items,
    }
    return files, manifest


def export_session(
    read: ReadImage,
    session: Session,
    out: Path,
    *,
    as_zip: bool = False,
    which: Iterable[str] = (),
    force: bool = False,
) -> ExportResult:
    """Export checkpoints (all, or those named by id or label) to ``out``.

    Everything is built in a temporary place first, so a refusal or a failure leaves ``out`` as it was.
    A folder that already holds files is refused unless ``force``, which replaces it whole: two
    exports are never mixed in one folder.
    """
    target_dir = out.expanduser().absolute()
    if not as_zip and target_dir.is_dir() and not force and any(target_dir.iterdir()):
        raise InvalidInput(
            f"{target_dir} already holds files; export into a new or empty folder, "
            "or add --force to replace that folder whole."
        )
    wanted = list(which)
    chosen = [session.checkpoint(k) for k in wanted] if wanted else list(session.checkpoints)
    checkpoints = list({cp.id: cp for cp in chosen}.values())  # an id and its label name one checkpoint
    if not checkpoints:
        raise InvalidInput(f"Session {session.name!r} has no checkpoints to export; approve a turn first.")
    files, manifest = _entries(read, session, checkpoints)
    from session_tui.export.extras import add_extras  # contact sheet and HTML gallery beside the manifest

    add_extras(read, session, checkpoints, files, manifest)
    files[MANIFEST] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    out = out.expanduser().absolute()
    if as_zip:
        target = out if out.suffix == ".zip" else out / f"{safe_stem(session.name)}.zip"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(f"{safe_stem(session.name)}/{name}", data)
        with storage_errors("create", target.parent):
            target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, buf.getvalue())
        return ExportResult(target, sorted(files))
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"{out} exists and is not a folder; choose another --out.")
    with storage_errors("create", out):
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out.parent))
    try:
        for name, data in files.items():
            atomic_write(staging / name, data)
        with storage_errors("write to", out):
            staging.chmod(0o755)  # mkdtemp made it private; an export is meant to be shared
            if not out.exists():
                os.rename(staging, out)  # every file appears at once, or none does
            elif not any(out.iterdir()):
                _move_into(staging, out, list(files))
            else:  # --force: the old folder goes aside, the new one takes its place, the old one goes
                aside = Path(tempfile.mkdtemp(prefix=".export-old-", dir=out.parent))
                os.rename(out, aside / "old")
                try:
                    os.rename(staging, out)
                except OSError:
                    os.rename(aside / "old", out)
                    raise
                finally:
                    shutil.rmtree(aside, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(out, sorted(files))


def _move_into(staging: Path, out: Path, names: list[str]) -> None:
    """Move files into an existing folder; if one move fails, take back the files that were new."""
    added: list[Path] = []
    try:
        for name in names:
            target = out / name
            existed = target.exists()
            os.replace(staging / name, target)
            if not existed:
                added.append(target)
    except OSError:
        for target in added:
            target.unlink(missing_ok=True)
        raise
