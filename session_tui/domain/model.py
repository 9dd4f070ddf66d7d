"""The domain: pydantic models of sessions, turns, checkpoints, references and characters.

Everything saved carries ``schema_version``. Validation happens here, before anything is sent
or written, and every message is one sentence a user can act on.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from session_tui.domain.records import RequestInfo, Score, SeriesMark, Usage
from session_tui.domain.vocabulary import (  # re-exported: the CLI reads them from there without pydantic
    ASPECT_RATIOS,
    IMAGE_SIZES,
    MAX_REFERENCES,
    NAME_MAX,
    REFERENCE_ROLES,
    SEED_MAX,
)
from session_tui.errors import InvalidInput

SCHEMA_VERSION = 1

_HEX_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")

TurnStatus = Literal["pending", "ok", "failed", "interrupted", "cancelled"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def validate_name(name: str, what: str = "session name") -> str:
    """The name NFC-normalised, after refusing what could escape a folder or surprise a shell.

    Letters and digits of any script (``小橙``, ``café``) with their combining marks, and ``-``,
    ``_``, ``.``; no separators, spaces, control characters or leading dot.
    """
    if not name:
        raise InvalidInput(f"The {what} is empty; use letters, digits, '-', '_' or '.'.")
    name = unicodedata.normalize("NFC", name)
    if len(name) > NAME_MAX:
        raise InvalidInput(f"The {what} is {len(name)} characters long; the limit is {NAME_MAX}.")
    if len(name.encode("utf-8")) > 2 * NAME_MAX:  # a folder name is at most 255 bytes
        raise InvalidInput(
            f"The {what} is too long for a folder name; use at most {NAME_MAX // 2} CJK characters."
        )
    bad = next((ch for ch in name if not _name_char(ch)), None)
    if name.startswith(".") or bad is not None or unicodedata.category(name[0]).startswith("M"):
        why = (
            "starts with '.'"
            if name.startswith(".")
            else (f"holds {_shown(bad)}" if bad is not None else "starts with a combining mark")
        )
        raise InvalidInput(
            f"The {what} {name!r} is not allowed ({why}); use only letters, digits, '-', '_' and '.',"
            " not starting with '.'."
        )
    return name


def _name_char(ch: str) -> bool:
    """A letter, a decimal digit or a combining mark of any script, or one of ``-_.``."""
    return ch in "-_." or unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd"


def _shown(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return repr(ch)
    if ch < " " or "\x7f" <= ch < "\xa0":
        kind = "a control character"
    else:
        kind = "a space" if ch.isspace() else "an invisible character"
    return f"U+{ord(ch):04X} ({kind})"


def first_error(exc: ValidationError) -> str:
    """The first validation problem as one sentence, without pydantic's framing."""
    err = exc.errors()[0]
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    loc = ".".join(str(p) for p in err.get("loc", ()))
    if err.get("type") == "extra_forbidden":
        return f"Unknown field {loc!r}."
    if err.get("type") not in ("value_error", "assertion_error") and loc:
        return f"{loc}: {msg}."
    return msg


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class GenerationParams(Model):
    """What shapes an image besides the prompt."""

    aspect_ratio: str = Field(
        "1:1", description="A ratio some model family takes; the provider's capabilities narrow it."
    )
    image_size: str = Field("1K", description="512, 1K, 2K or 4K (uppercase K); the provider's may be fewer.")
    seed: int | None = Field(None, description="Asked-for seed; recorded even where it is not honoured.")
    extras: dict[str, Any] = Field(default_factory=dict, description="Provider-specific options.")

    @field_validator("aspect_ratio")
    @classmethod
    def _ratio(cls, v: str) -> str:
        v = v.strip()
        if v not in ASPECT_RATIOS:
            raise ValueError(f"Aspect ratio {v!r} is not supported; use one of {' '.join(ASPECT_RATIOS)}.")
        return v

    @field_validator("image_size")
    @classmethod
    def _size(cls, v: str) -> str:
        v = v.strip()
        if v in ("1k", "2k", "4k"):
            raise ValueError(f"Image size {v!r} must use an uppercase K: {v.upper()}.")
        if v not in IMAGE_SIZES:
            raise ValueError(f"Image size {v!r} is not supported; use one of {', '.join(IMAGE_SIZES)}.")
        return v

    @field_validator("seed")
    @classmethod
    def _seed(cls, v: int | None) -> int | None:
        if v is not None and not 0 <= v <= SEED_MAX:
            raise ValueError(f"Seed {v} is out of range; use a whole number from 0 to {SEED_MAX}.")
        return v

    def merged(self, **changes: Any) -> GenerationParams:
        """A copy with the non-None changes applied and validated."""
        data = self.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        params: GenerationParams = make(GenerationParams, data)
        return params


class CharacterSpec(Model):
    """A character described in words, in any language."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    schema_version: int = SCHEMA_VERSION
    name: str = ""
    style: str = ""
    hair: str = ""
    eyes: str = ""
    face: str = ""
    outfit: str = ""
    accessories: list[str] = Field(default_factory=list)
    palette: list[str] = Field(default_factory=list, description="Colours as #RRGGBB.")
    keep: list[str] = Field(default_factory=list, description="What must not change between images.")
    notes: str = ""

    @field_validator("palette")
    @classmethod
    def _palette(cls, v: list[str]) -> list[str]:
        for colour in v:
            if not _HEX_RE.match(colour):
                raise ValueError(f"Palette colour {colour!r} is not a hex colour like #FF8C00.")
        return [c.upper() for c in v]

    def is_empty(self) -> bool:
        return not any(
            getattr(self, f)
            for f in (
                "name",
                "style",
                "hair",
                "eyes",
                "face",
                "outfit",
                "accessories",
                "palette",
                "keep",
                "notes",
            )
        )

    def describe(self) -> str:
        """The spec as a compact paragraph for a prompt."""
        parts = []
        for label, value in (
            ("Character", self.name),
            ("Style", self.style),
            ("Hair", self.hair),
            ("Eyes", self.eyes),
            ("Face", self.face),
            ("Outfit", self.outfit),
        ):
            if value:
                parts.append(f"{label}: {value}.")
        if self.accessories:
            parts.append(f"Accessories: {', '.join(self.accessories)}.")
        if self.palette:
            parts.append(f"Colour palette: {' '.join(self.palette)}.")
        if self.notes:
            parts.append(self.notes)
        return " ".join(parts)


class ImageRef(Model):
    """An image stored in the session's blob store."""

    sha256: str
    mime: str = "image/png"
    width: int = 0
    height: int = 0
    size_bytes: int = 0

    @field_validator("sha256")
    @classmethod
    def _sha256(cls, v: str) -> str:
        # The hash names the blob's file, so anything but 64 hex digits could point outside the session.
        if not _SHA256_RE.fullmatch(v):
            raise ValueError(f"Image hash {v[:80]!r} is not a sha256 (64 hex digits).")
        return v


class ReferenceImage(ImageRef):
    """An image the model is shown on every turn of the session."""

    label: str = ""
    role: str = "other"
    source: str = Field("", description="Where it came from: a path, 'promoted:SESSION/cp', a tool.")
    source_tool: str | None = None
    source_prompt: str | None = None
    source_seed: int | None = None
    added_at: datetime = Field(default_factory=utcnow)

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        if v not in REFERENCE_ROLES:
            raise ValueError(f"Reference role {v!r} is not known; use one of {', '.join(REFERENCE_ROLES)}.")
        return v


def parent_label(name: str, *, deleted: bool) -> str:
    """A parent session's name as every listing shows it."""
    return f"{name} (deleted)" if deleted else name


class Lineage(Model):
    """Where a session came from."""

    session: str
    kind: Literal["reset", "fork"]
    checkpoint: str | None = None
    turn: int | None = None
    image_sha256: str | None = None
    parent_deleted_at: datetime | None = Field(
        None, description="When the parent session was deleted; the lineage stays as a record."
    )
    moved_from: str | None = Field(None, description="The profile the source used, when this one moved on.")

    @property
    def source(self) -> str:
        """The parent's name as shown, marked when it was deleted (a new session may reuse the name)."""
        return parent_label(self.session, deleted=self.parent_deleted_at is not None)


class Turn(Model):
    """One request and its answer."""

    schema_version: int = SCHEMA_VERSION
    index: int = Field(description="1-based position in the conversation.")
    prompt: str = Field(description="As the user typed it.")
    prompt_sent: str = Field("", description="The exact text sent to the provider.")
    input_images: list[str] = Field(default_factory=list, description="sha256 of images sent.")
    params: GenerationParams = Field(default_factory=GenerationParams)
    seed_honoured: bool = False
    provider: str = ""
    kind: str = ""
    model: str = ""
    status: TurnStatus = "pending"
    images: list[ImageRef] = Field(default_factory=list)
    reply_text: str = ""
    error: str | None = None
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    duration_s: float | None = None
    # The defaults are validated from {} by pydantic's core: a Usage() would cost a Python call per record.
    usage: Usage = Field(
        default_factory=dict, validate_default=True, description="What the service said the request used."
    )
    request: RequestInfo = Field(
        default_factory=dict, validate_default=True, description="What was sent: sizes, bytes."
    )
    provider_state: dict[str, Any] = Field(default_factory=dict, description="E.g. response ids.")
    state_scope: dict[str, str] = Field(
        default_factory=dict,
        description="The kind, model and service provider_state is valid for; another replays none of it.",
    )
    score: Score | None = Field(None, description="The consistency score of the first image.")
    series: SeriesMark | None = Field(
        None, description="Set by `session-tui series`: name, key, scene; the key marks the scene done."
    )

    @property
    def image(self) -> ImageRef | None:
        return self.images[0] if self.images else None


class Checkpoint(Model):
    """An approved image: the thing that must never be lost."""

    schema_version: int = SCHEMA_VERSION
    id: str
    turn: int
    image: ImageRef
    label: str = ""
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class SessionHeader(Model):
    """The part of a session that is not the conversation: identity, settings, references."""

    schema_version: int = SCHEMA_VERSION
    name: str
    created_at: datetime = Field(default_factory=utcnow)
    provider: str = "offline"
    kind: str = "offline"
    model: str = "offline-renderer"
    character: CharacterSpec = Field(default_factory=CharacterSpec)
    params: GenerationParams = Field(default_factory=GenerationParams)
    references: list[ReferenceImage] = Field(default_factory=list)
    parent: Lineage | None = None
    assemble_prompt: bool = Field(True, description="Build each prompt from the spec and keep rules.")

    @field_validator("references")
    @classmethod
    def _refs(cls, v: list[ReferenceImage]) -> list[ReferenceImage]:
        if len(v) > MAX_REFERENCES:
            raise ValueError(f"A session holds at most {MAX_REFERENCES} references; this has {len(v)}.")
        return v


def make(model: type[Any], data: dict[str, Any]) -> Any:
    """Validate ``data`` into ``model``, turning a ValidationError into InvalidInput."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(first_error(exc)) from None


class Session(BaseModel):
    """A loaded session: its header plus the conversation replayed from the journal."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    header: SessionHeader
    turns: list[Turn] = Field(default_factory=list)
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, exclude=True, description="What loading skipped.")
    earlier: dict[int, str] = Field(
        default_factory=dict,
        exclude=True,
        description=(
            "The turns before ``turns`` that were not loaded (``SessionDir.load(recent=N)``): "
            "index to prompt."
        ),
    )

    @property
    def name(self) -> str:
        return self.header.name

    @property
    def turn_count(self) -> int:
        """Every turn of the session, loaded or not."""
        return len(self.earlier) + len(self.turns)

    @property
    def prompts(self) -> list[str]:
        """Every turn's prompt as typed, oldest first, loaded or not."""
        return [*self.earlier.values(), *(t.prompt for t in self.turns)]

    def turns_using(self, sha256: str) -> list[int]:
        """The turns that show the image, were drawn from it, or hold a checkpoint of it."""
        users = {
            t.index
            for t in self.turns
            if sha256 in t.input_images or any(i.sha256 == sha256 for i in t.images)
        }
        users |= {cp.turn for cp in self.checkpoints if cp.image.sha256 == sha256}
        return sorted(users)

    def find_turn(self, index: int) -> Turn | None:
        """The loaded turn numbered ``index``; None if there is none (numbers can have gaps: a
        repair moves a damaged turn's record away, and the others keep their numbers)."""
        for turn in self.turns:
            if turn.index == index:
                return turn
        return None

    def turn(self, index: int) -> Turn:
        found = self.find_turn(index)
        if found is not None:
            return found
        raise InvalidInput(
            f"Session {self.name!r} has no turn {index}; it has turns "
            f"{describe_numbers([t.index for t in self.turns])}."
            if self.turns
            else f"Session {self.name!r} has no turns yet."
        )

    def last_image_turn(self) -> Turn | None:
        for turn in reversed(self.turns):
            if turn.status == "ok" and turn.images:
                return turn
        return None

    def checkpoint(self, key: str) -> Checkpoint:
        """Find a checkpoint by id, then by label."""
        for cp in self.checkpoints:
            if cp.id == key:
                return cp
        matches = [cp for cp in self.checkpoints if cp.label == key]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ids = ", ".join(cp.id for cp in matches)
            raise InvalidInput(f"Several checkpoints are labelled {key!r} ({ids}); name one by id.")
        known = ", ".join(f"{cp.id} ({cp.label})" if cp.label else cp.id for cp in self.checkpoints)
        raise InvalidInput(
            f"Session {self.name!r} has no checkpoint {key!r}; it has: {known}."
            if known
            else f"Session {self.name!r} has no checkpoints yet; approve a turn first."
        )


def describe_numbers(numbers: list[int]) -> str:
    """Sorted numbers with runs of three or more shortened: [1, 3, 4] → "1, 3, 4"; 1..9 → "1 to 9"."""
    parts: list[str] = []
    ordered = sorted(set(numbers))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{ordered[i]} to {ordered[j]}")
        else:
            parts.extend(str(n) for n in ordered[i : j + 1])
        i = j + 1
    return ", ".join(parts)
