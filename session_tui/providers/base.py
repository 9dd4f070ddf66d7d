"""The provider interface: what every image service (or the offline renderer) offers the engine."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from session_tui.config import Profile
from session_tui.domain.model import CharacterSpec, GenerationParams, ImageRef
from session_tui.domain.vocabulary import ASPECT_RATIOS, IMAGE_SIZES
from session_tui.paths import Home


@dataclass(frozen=True)
class Capabilities:
    """What a provider can do, checked before anything is sent."""

    multi_turn: bool
    max_references: int
    seed_honoured: bool
    image_sizes: tuple[str, ...] = IMAGE_SIZES
    aspect_ratios: tuple[str, ...] = ASPECT_RATIOS
    is_model: bool = True
    description: str = ""
    good_references: int | None = None  # how many the model handles well, where documented
    family: str = ""  # the catalogue's model family, "unknown" when the id is not recognised

    def as_dict(self) -> dict[str, Any]:
        return {
            "multi_turn": self.multi_turn,
            "max_references": self.max_references,
            "seed_honoured": self.seed_honoured,
            "image_sizes": list(self.image_sizes),
            "aspect_ratios": list(self.aspect_ratios),
            "is_model": self.is_model,
            "description": self.description,
            "good_references": self.good_references,
            "family": self.family,
        }


class InputImage:
    """An image handed to a provider; its bytes are read only if the provider asks for them."""

    def __init__(
        self, ref: ImageRef, loader: Callable[[ImageRef], bytes], label: str = "", role: str = ""
    ) -> None:
        self.ref = ref
        self._loader = loader
        self.label = label
        self.role = role

    @cached_property
    def data(self) -> bytes:
        return self._loader(self.ref)

    def release(self) -> None:
        """Forget the bytes read so far (a 4K original is large); ``data`` reads them again if asked."""
        self.__dict__.pop("data", None)

    @property
    def mime(self) -> str:
        return self.ref.mime

    @property
    def sha256(self) -> str:
        return self.ref.sha256


@dataclass
class HistoryTurn:
    """An earlier successful turn, as a provider may replay it."""

    index: int
    prompt: str  # as typed: what the user asked for
    prompt_sent: str  # as sent: after assembly with the character spec
    reply_text: str
    images: list[InputImage]
    provider_state: dict[str, Any]
    # Set when the turn was made by another model or service: what it minted (Gemini's thought
    # signatures, a response or interaction id) is withheld, so its pictures travel as plain inputs.
    made_by: str = ""


@dataclass
class GenerationRequest:
    prompt: str  # the exact text to send
    params: GenerationParams
    typed: str = ""  # what the user typed, before assembly
    references: list[InputImage] = field(default_factory=list)
    history: list[HistoryTurn] = field(default_factory=list)
    character: CharacterSpec = field(default_factory=CharacterSpec)
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass
class GenerationResult:
    images: list[bytes]
    text: str = ""
    model: str = ""
    usage: dict[str, Any] = field(default_factory=dict)
    provider_state: dict[str, Any] = field(default_factory=dict)
    request_info: dict[str, Any] = field(default_factory=dict)
    seed_honoured: bool = False
    # One per image when the provider decoded every image in full to check it: what that decoding
    # left for the score (``images.small_copy``, or None if none could be made). Empty otherwise.
    previews: list[Any] = field(default_factory=list)

    @property
    def decoded(self) -> bool:
        """Every image was decoded in full already, and would be again for nothing."""
        return bool(self.images) and len(self.previews) == len(self.images)


class Provider(ABC):
    """A kind of image service. Instances are cheap; network clients are made on first use."""

    kind: ClassVar[str]

    def __init__(self, name: str, profile: Profile, home: Home) -> None:
        self.name = name
        self.profile = profile
        self.home = home

    @property
    def model(self) -> str:
        return self.profile.model

    @abstractmethod
    def capabilities(self) -> Capabilities: ...

    @abstractmethod
    def generate(self, request: GenerationRequest) -> GenerationResult:
        """Make the image(s). Raise ProviderError with a sentence when it cannot."""

    def preflight(self, request: GenerationRequest) -> None:
        """Refuse (InvalidInput), before the turn is written, a request that can only fail."""
        return None  # a kind that sends nothing over a network has nothing to know in advance

    def check(self) -> str:
        """One cheap request; a sentence saying what works. Raise ProviderError if nothing does."""
        return f"{self.name}: nothing to check for kind {self.kind}."

    def label(self) -> str:
        """How the header names it."""
        return f"{self.name} ({self.kind}, {self.model})"

    def state_scope(self) -> dict[str, str]:
        """Where the state a turn keeps (signatures, thread ids) is valid: stamped on each turn, and
        a turn whose stamp differs is replayed without it."""
        return {"kind": self.kind, "model": self.model}
