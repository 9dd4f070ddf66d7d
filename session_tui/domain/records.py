"""The records a turn carries: its usage, what was sent, its consistency score and its series mark.

Producers (providers, scoring, series) build these as plain dicts; the engine validates them into
these models where it puts them on a turn. Each model reads every key the code writes, typed, and
keeps any other key it is given (a service's own usage fields, a newer score's parts) as it came.

The journal and ``show --json`` stay as they were before the models: a record dumps the keys it
was given, in the order it was given them, and nothing else, so a default never appears in a
record that did not hold it and an old session reads and writes byte for byte as before.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_serializer,
)

Number = int | float
"""A figure as it was written: an int stays an int and a float a float, so a dump is unchanged."""


class Record(BaseModel):
    """A turn's record: typed where the code writes a key, open to any other key it is given."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    _lenient: ClassVar[bool] = False
    """For the records whose values a service chooses: ``of`` drops a typed key whose value does not
    fit rather than refuse the record, so an odd value costs that key, never the turn."""

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Self:
        """``doc`` validated, dumping later in its own key order: the engine's door for what producers
        build. A record read any other way (the journal's, whose keys are sorted) dumps sorted."""
        try:
            record = cls.model_validate(doc)
        except ValidationError as exc:
            if not cls._lenient:
                raise
            bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
            record = cls.model_validate({k: v for k, v in doc.items() if k not in bad})
        record._remember(doc)
        return record

    def _remember(self, doc: dict[str, Any]) -> None:
        # In pydantic's slot for private state, not a declared PrivateAttr: declaring one makes every
        # record pay for setting it up (three times the cost of reading a journal's record).
        object.__setattr__(self, "__pydantic_private__", {"_order": tuple(doc)})
        for key, value in doc.items():  # and a record inside it (a score's judge) keeps its own
            inner = self.__dict__.get(key)
            if isinstance(inner, Record) and isinstance(value, dict):
                inner._remember(value)

    @model_serializer(mode="plain")
    def _as_given(self) -> dict[str, Any]:
        """Only the keys given (or assigned since): in the order given to ``of``, else sorted.

        Plain, not wrapping pydantic's own: the values are JSON's own types (a record inside one is
        dumped by its own serializer), and this is called for every record ``show --json`` prints.
        """
        fields = self.__dict__
        values = {k: fields[k] for k in self.__pydantic_fields_set__ if k in fields}
        if self.__pydantic_extra__:
            values.update(self.__pydantic_extra__)
        order = self.__pydantic_private__.get("_order") if self.__pydantic_private__ else None
        if not order:
            return {k: values[k] for k in sorted(values)}
        keys = [k for k in order if k in values]
        keys += sorted(k for k in values if k not in order)
        return {k: values[k] for k in keys}

    def __eq__(self, other: object) -> bool:
        """Equal when they dump the same: the order keys came in does not count, as with a dict."""
        if type(self) is not type(other):
            return NotImplemented
        assert isinstance(other, Record)
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dict it replaces

    def __bool__(self) -> bool:
        """True when it holds any key, as the dict it replaces was."""
        return bool(self.model_fields_set or self.__pydantic_extra__)

    def get(self, key: str, default: Any = None) -> Any:
        """A typed field or a kept extra key by name, ``default`` when it was not given.

        For the records whose keys depend on the service (usage, request); elsewhere read attributes.
        """
        if key in type(self).model_fields:
            return getattr(self, key) if key in self.model_fields_set else default
        return (self.__pydantic_extra__ or {}).get(key, default)


class Usage(Record):
    """What the service said the request used; its shape is the service's, so other keys are kept."""

    _lenient: ClassVar[bool] = True

    input_tokens: int | None = Field(None, description="OpenAI Responses and Images: tokens read.")
    output_tokens: int | None = Field(None, description="OpenAI Responses and Images: tokens written.")
    total_tokens: int | None = Field(None, description="OpenAI: tokens in all.")
    prompt_tokens: int | None = Field(None, description="OpenAI-compatible chat: tokens read.")
    completion_tokens: int | None = Field(None, description="OpenAI-compatible chat: tokens written.")
    promptTokenCount: int | None = Field(None, description="Gemini usageMetadata: tokens read.")
    candidatesTokenCount: int | None = Field(None, description="Gemini usageMetadata: tokens written.")
    totalTokenCount: int | None = Field(None, description="Gemini usageMetadata: tokens in all.")
    cost: Number | None = Field(
        None, description="The charge in USD, where a gateway (OpenRouter) states it."
    )


class RequestInfo(Record):
    """What was sent: the endpoint, the images as sent, the size of the body; tools add their own keys."""

    _lenient: ClassVar[bool] = True

    endpoint: str | None = Field(None, description="The service's endpoint or method, e.g. generateContent.")
    budget_bytes: int | None = Field(None, description="The request size the images were fitted into.")
    bytes_sent: int | None = Field(None, description="The size of the whole request body.")
    input_images: int | None = Field(None, description="How many images were sent.")
    images: list[dict[str, Any]] | None = Field(
        None, description="Each image as sent: role, short hash, and its format and size when changed."
    )
    turns_sent: int | None = Field(None, description="Gemini: the conversation turns sent.")
    previous_response_id: str | None = Field(None, description="OpenAI Responses: the answer built on.")
    previous_interaction_id: str | None = Field(None, description="Gemini Interactions: the one built on.")
    size: str | None = Field(None, description="OpenAI: the size asked for, e.g. 1024x1024.")
    notice: str | None = Field(None, description="What the turn told the user about the request.")
    mode: str | None = Field(None, description="Local tools: txt2img or img2img.")
    seed: int | None = Field(None, description="Local tools: the seed the tool used.")
    width: int | None = Field(None, description="Local tools: the picture's width in pixels.")
    height: int | None = Field(None, description="Local tools: the picture's height in pixels.")
    workflow: str | None = Field(None, description="ComfyUI: the workflow file, or the built-in template.")
    provenance: dict[str, Any] | None = Field(
        None, description="A picture added from a file: where it came from and what it says made it."
    )


class JudgeVerdict(Record):
    """A vision model's verdict on a checkpoint, stored beside the local score."""

    overall: int | None = Field(None, description="0 to 100; None when the judge gave no usable answer.")
    attributes: dict[str, int] | None = Field(None, description="Hair, eyes, outfit ...: 0 to 100 each.")
    differences: str | None = Field(None, description="What the judge saw change, in its words.")
    error: str | None = Field(None, description="Why there is no overall figure.")
    raw: str | None = Field(None, description="The start of an answer that was not the JSON asked for.")
    model: str | None = Field(None, description="The judge's model, as the service named it.")
    profile: str | None = Field(None, description="The config profile the judge ran under.")
    judged_at: str | None = Field(None, description="When, ISO 8601 to the second, as written.")
    checkpoint: str | None = Field(None, description="The checkpoint judged.")
    image: str | None = Field(None, description="The short hash of the picture judged.")


class Score(Record):
    """The local (or learned) consistency score of a turn's picture; docs/SCORING.md explains it."""

    version: int | None = Field(None, description="SCORE_VERSION when computed; older ones are redone.")
    backend: str | None = Field(None, description="local or learned.")
    total: int | None = Field(None, description="0 to 100; None when there was nothing to compare with.")
    verdict: str | None = Field(None, description="consistent, drifting or off-model.")
    driver: str | None = Field(None, description="The part that decided the verdict, or keep.")
    flags: list[str] | None = Field(None, description="Broken keep rules and missing palette colours.")
    parts: dict[str, Number] | None = Field(None, description="Each part of the score, 0 to 1.")
    details: dict[str, Any] | None = Field(
        None, description="What was measured: nearest reference, shape, palette coverage, keep checks."
    )
    error: str | None = Field(None, description="Why the picture could not be scored.")
    note: str | None = Field(None, description="Why there is no figure, when that is not an error.")
    image: str | None = Field(None, description="The short hash of the picture scored.")
    computed_at: str | None = Field(None, description="When, ISO 8601 to the second, as written.")
    judge: JudgeVerdict | None = Field(None, description="The judge's verdict, kept across rescoring.")


class SeriesMark(Record):
    """Set by `session-tui series`: which scene of which series the turn draws; the key marks it done."""

    name: str | None = Field(None, description="The series.")
    key: str | None = Field(None, description="The scene's key: the same scene asked for again is skipped.")
    scene: int | None = Field(None, description="The scene's number in the series, from 1.")
    mode: str | None = Field(None, description="interactive, or batch (the provider's batch engine).")
    cost_usd: Number | None = Field(None, description="The estimated cost; None when the price is unknown.")
    batch: str | None = Field(None, description="Batch mode: the batch's name once it was submitted.")
    token: str | None = Field(None, description="Batch mode: names the submission the turn belongs to.")
