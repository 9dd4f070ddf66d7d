"""Reference images offered by the user: parsed, checked in full, then stored with their provenance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from session_tui.domain.model import ImageRef, ReferenceImage
from session_tui.errors import InvalidInput
from session_tui.media.images import ImageInfo, inspect_image, verify_decodes
from session_tui.media.userfiles import read_user_file
from session_tui.store.sessions import SessionDir


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
        if not text.strip() or (sep and not path.strip() and not Path(text).exists()):
            # Path("") is ".", which would be refused as "a folder": say what is really wrong.
            raise InvalidInput(
                f"The reference {text!r} names no image: the path before '=' is empty; write PATH=LABEL."
            )
        if not sep or Path(text).exists():
            return cls(Path(text))
        return cls(Path(path), label.strip())


@dataclass(frozen=True)
class ReadRef:
    """A reference file read and decoded in full: its bytes, and the small copy the score reads."""

    data: bytes
    small: Any
    info: ImageInfo

    def bytes_of(self, _ref: ImageRef) -> bytes:
        """A loader for ``InputImage``: the bytes already read."""
        return self.data

    def image_ref(self) -> ImageRef:
        """The reference as it would be stored (before any EXIF turn), without storing it."""
        sha = hashlib.sha256(self.data).hexdigest()
        i = self.info
        return ImageRef(sha256=sha, mime=i.mime, width=i.width, height=i.height, size_bytes=len(self.data))


def read_ref(ref: RefInput) -> ReadRef:
    data = read_user_file(ref.path, "Reference image")
    # Check every image before any is stored, so one bad file refuses the command with nothing written.
    what = f"Reference {ref.path.name!r}"
    info = inspect_image(data, what)
    return ReadRef(data, verify_decodes(data, what, small=True), info)


def store_ref(sd: SessionDir, ref: RefInput, read: ReadRef) -> ReferenceImage:
    from session_tui.engine.scores import remember_reference
    from session_tui.media.provenance import source_fields  # the tool, prompt and seed written into the file

    stored = sd.blobs.put(read.data, f"Reference {ref.path.name!r}", decoded=True)  # read_ref decoded it
    # Its score features now, from the pixels just decoded: otherwise the first turn decodes every
    # reference again (seconds, with fourteen 4K ones).
    remember_reference(sd, stored, read.small)
    return ReferenceImage(
        **stored.model_dump(),
        label=ref.label or ref.path.stem,
        role=ref.role,
        source=str(ref.path.expanduser().absolute()),
        **source_fields(read.data),
    )
