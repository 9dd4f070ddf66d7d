"""The headless engine: send, approve, reset by promotion, fork, resume, and refusals that touch nothing."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from session_tui.config import Config, Profile
from session_tui.domain.model import CharacterSpec, Lineage
from session_tui.engine import Engine, RefInput
from session_tui.errors import (
    AlreadyExists,
    Cancelled,
    InvalidInput,
    NotFound,
    ProviderError,
    SessionTuiError,
)
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, Provider
from session_tui.store.sessions import JOURNAL

SPEC = CharacterSpec(
    name="Little Orange",
    hair="orange pigtails",
    outfit="orange hoodie and white skirt",
    accessories=["orange hair accessory"],
    palette=["#FF8C00", "#FFA500", "#FFFFFF", "#FFE4B5"],
)


def png(colour: tuple[int, int, int], size: tuple[int, int] = (12, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


class Seen:
    """What one generate() call was given, copied out so later changes cannot hide anything."""

    def __init__(self, request: GenerationRequest) -> None:
        self.prompt = request.prompt
        self.typed = request.typed
        self.params = request.params
        self.character = request.character
        self.references = [(r.sha256, r.label, r.role, r.data) for r in request.references]
        self.history = [
            (h.index, h.prompt, h.prompt_sent, h.reply_text, [i.data for i in h.images], h.provider_state)
            for h in request.history
        ]


class FakeProvider(Provider):
    """A provider whose behaviour each test chooses; it records every request."""

    kind = "fake"

    def __init__(self, behave: Callable[[GenerationRequest, int], GenerationResult] | None = None) -> None:
        super().__init__("fake", Profile(kind="offline", model="fake-model"), Home(Path("/nonexistent")))
        self.seen: list[Seen] = []
        self.returned: list[bytes] = []
        self.behave = behave

    def capabilities(self) -> Capabilities:
        return Capabilities(multi_turn=True, max_references=14, seed_honoured=False)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        self.seen.append(Seen(request))
        n = len(self.seen)
        if self.behave is not None:
            return self.behave(request, n)
        data = png((n * 20 % 256, 100, 200))
        self.returned.append(data)
        return GenerationResult(
            images=[data],
            text=f"reply {n}",
            model="fake-model-2",
            usage={"tokens": n},
            provider_state={"response_id": f"r{n}"},
        )


def engine_with(home: Home, provider: Provider) -> Engine:
    return Engine(home, config=Config(lock_timeout_s=0.2), provider_factory=lambda c, n, h: provider)


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def eng(home: Home, fake: FakeProvider) -> Engine:
    return engine_with(home, fake)


@pytest.fixture
def ref_files(tmp_path: Path) -> list[Path]:
    paths = []
    for i, colour in enumerate([(255, 140, 0), (255, 165, 0), (250, 250, 250)]):
        path = tmp_path / f"ref{i}.png"
        path.write_bytes(png(colour, (20 + i, 20)))
        paths.append(path)
    return paths


def tree_hash(root: Path) -> str:
    """Every path under ``root`` and every file's bytes; '.lock' counts by existence only (it holds a pid)."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        h.update(rel.encode() + b"\0")
        if path.is_file() and path.name != ".lock":
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


# -- send ------------------------------------------------------------------------------------------


def test_send_stores_an_ok_turn_with_its_image(eng: Engine, fake: FakeProvider, home: Home) -> None:
    eng.new_session("s", character=SPEC)
    seen_on_disk: list[tuple[str, str]] = []

    def behave(request: GenerationRequest, n: int) -> GenerationResult:
        # While the provider works, the prompt is already on disk (a crash now would keep it).
        t = Engine(home).load("s").turns[-1]
        seen_on_disk.append((t.prompt, t.status))
        return FakeProvider.generate(FakeProvider(), request)

    fake.behave = behave
    turn = eng.send("s", "on the beach", seed=5)
    assert seen_on_disk == [("on the beach", "interrupted")]  # a pending turn reads as interrupted
    assert turn.index == 1 and turn.status == "ok" and turn.error is None
    assert turn.prompt == "on the beach"
    assert "Little Orange" in turn.prompt_sent and turn.prompt_sent.endswith("on the beach")
    assert turn.params.seed == 5 and turn.seed_honoured is False
    assert (turn.provider, turn.model, turn.reply_text) == ("fake", "fake-model-2", "reply 1")
    assert turn.provider_state == {"response_id": "r1"} and turn.usage.model_dump() == {"tokens": 1}
    assert turn.finished_at is not None and turn.duration_s is not None

    loaded = eng.load("s")
    assert loaded.turns == [turn]
    sd = eng.session_dir("s")
    image = loaded.turns[0].images[0]
    assert sd.blobs.verify(image) is None and (image.width, image.height) == (12, 10)
    # the journal holds the pending record first, then the finished one
    lines = (sd.path / JOURNAL).read_bytes().splitlines()
    assert [b'"status":"pending"' in lines[0], b'"status":"ok"' in lines[1]] == [True, True]


def test_history_references_and_spec_reach_the_provider(
    eng: Engine, fake: FakeProvider, ref_files: list[Path]
) -> None:
    eng.new_session(
        "s", character=SPEC, refs=[RefInput(ref_files[0], "front", "front"), RefInput(ref_files[1])]
    )
    eng.send("s", "standing")
    eng.send("s", "make the hoodie red")
    fake.behave = lambda r, n: (_ for _ in ()).throw(ProviderError("busy"))
    with pytest.raises(ProviderError):
        eng.send("s", "this one fails")
    fake.behave = None
    eng.send("s", "in the park")

    first, second, _, fourth = fake.seen
    assert first.history == []
    assert [(sha, label, role) for sha, label, role, _ in first.references] == [
        (hashlib.sha256(ref_files[0].read_bytes()).hexdigest(), "front", "front"),
        (hashlib.sha256(ref_files[1].read_bytes()).hexdigest(), "ref1", "other"),
    ]
    assert [data for *_, data in first.references] == [ref_files[0].read_bytes(), ref_files[1].read_bytes()]
    assert first.character == SPEC
    assert second.typed == "make the hoodie red" and second.prompt != second.typed  # assembled
    # the failed turn is not replayed; the two good ones are, with their images and state
    assert [(i, p) for i, p, *_ in fourth.history] == [(1, "standing"), (2, "make the hoodie red")]
    assert [imgs for *_, imgs, _ in fourth.history] == [[fake.returned[0]], [fake.returned[1]]]
    assert [h[3] for h in fourth.history] == ["reply 1", "reply 2"]
    assert [h[5] for h in fourth.history] == [{"response_id": "r1"}, {"response_id": "r2"}]
    last = eng.load("s").turns[-1]
    assert last.index == 4
    assert last.input_images == [r[0] for r in fourth.references] + [
        hashlib.sha256(fake.returned[1]).hexdigest()
    ]


def test_failed_turn_keeps_prompt_and_reason_and_reraises(eng: Engine, fake: FakeProvider) -> None:
    eng.new_session("s")
    fake.behave = lambda r, n: (_ for _ in ()).throw(
        ProviderError("The service refused the request: quota exhausted.", reply_text="sorry")
    )
    with pytest.raises(ProviderError) as info:
        eng.send("s", "draw her in the snow 雪")
    assert info.value.exit_code == 4
    (turn,) = eng.load("s").turns
    assert turn.status == "failed"
    assert turn.prompt == "draw her in the snow 雪"
    assert turn.error == "The service refused the request: quota exhausted."
    assert turn.reply_text == "sorry" and turn.images == []
    fake.behave = None
    assert eng.send("s", "again").index == 2


@pytest.mark.parametrize(
    "result, words",
    [
        (GenerationResult(images=[], text="I cannot draw that."), "text but no image: I cannot draw that"),
        (GenerationResult(images=[b"<html>oops</html>"]), "not an image format"),
    ],
)
def test_bad_answers_become_failed_turns(
    eng: Engine, fake: FakeProvider, result: GenerationResult, words: str
) -> None:
    eng.new_session("s")
    fake.behave = lambda r, n: result
    with pytest.raises(SessionTuiError) as info:
        eng.send("s", "hello")
    assert words in info.value.message
    (turn,) = eng.load("s").turns
    assert turn.status == "failed" and words in (turn.error or "") and turn.prompt == "hello"


def test_unexpected_provider_crash_is_a_failed_turn_not_a_traceback(eng: Engine, fake: FakeProvider) -> None:
    eng.new_session("s")
    fake.behave = lambda r, n: (_ for _ in ()).throw(RuntimeError("socket went away"))
    with pytest.raises(ProviderError) as info:
        eng.send("s", "hello")
    assert "socket went away" in info.value.message
    (turn,) = eng.load("s").turns
    assert turn.status == "failed" and "socket went away" in (turn.error or "")


def test_cancel_stores_a_cancelled_turn(eng: Engine, fake: FakeProvider) -> None:
    eng.new_session("s")
    cancel = threading.Event()

    def behave(request: GenerationRequest, n: int) -> GenerationResult:
        cancel.set()  # the user pressed Esc while the request was out
        return GenerationResult(images=[png((1, 2, 3))])

    fake.behave = behave
    with pytest.raises(Cancelled):
        eng.send("s", "on the beach", cancel=cancel)
    fake.behave = lambda r, n: (_ for _ in ()).throw(Cancelled("The turn was cancelled."))
    with pytest.raises(Cancelled):
        eng.send("s", "in the park")
    turns = eng.load("s").turns
    assert [(t.status, t.prompt, t.images) for t in turns] == [
        ("cancelled", "on the beach", []),
        ("cancelled", "in the park", []),
    ]
    assert all(t.error == "cancelled by the user" for t in turns)
    assert not list((eng.session_dir("s").path / "blobs").rglob("*.png"))  # the late image was dropped


# -- approve ---------------------------------------------------------------------------------------


def test_approve_defaults_to_the_last_image_turn(eng: Engine, fake: FakeProvider) -> None:
    eng.new_session("s")
    eng.send("s", "one")
    eng.send("s", "two")
    fake.behave = lambda r, n: (_ for _ in ()).throw(ProviderError("down"))
    with pytest.raises(ProviderError):
        eng.send("s", "three fails")
    cp = eng.approve("s", label="best", note=" the one ")
    assert (cp.id, cp.turn, cp.label, cp.note) == ("cp1", 2, "best", "the one")
    assert cp.image == eng.load("s").turn(2).images[0]
    cp2 = eng.approve("s", turn=1)
    assert (cp2.id, cp2.turn, cp2.label) == ("cp2", 1, "")
    assert [c.id for c in eng.load("s").checkpoints] == ["cp1", "cp2"]
    assert eng.load("s").checkpoint("best") == cp


def test_approve_refusals(eng: Engine, fake: FakeProvider, home: Home) -> None:
    eng.new_session("s")
    with pytest.raises(InvalidInput, match="no turn with an image"):
        eng.approve("s")
    eng.send("s", "one")
    eng.approve("s", label="best")
    fake.behave = lambda r, n: (_ for _ in ()).throw(ProviderError("down"))
    with pytest.raises(ProviderError):
        eng.send("s", "two fails")
    before = tree_hash(home.root)
    with pytest.raises(InvalidInput, match="already labelled 'best'"):
        eng.approve("s", turn=1, label="best", again=True)
    with pytest.raises(InvalidInput, match="Turn 2 has no image"):
        eng.approve("s", turn=2)
    with pytest.raises(InvalidInput, match="has no turn 7; it has turns 1, 2"):
        eng.approve("s", turn=7)
    with pytest.raises(InvalidInput, match="looks like a checkpoint id"):
        eng.approve("s", turn=1, label="cp2")
    assert tree_hash(home.root) == before


# -- reset by promotion -------------------------------------------------------------------------


def _session_with_checkpoint(eng: Engine, refs: list[Path]) -> None:
    eng.new_session("orig", character=SPEC, refs=[RefInput(p) for p in refs[:2]])
    eng.send("orig", "on the beach")
    eng.send("orig", "make the scarf blue")
    eng.approve("orig", turn=2, label="blue")
    eng.send("orig", "in the park")


def test_reset_by_promotion(eng: Engine, fake: FakeProvider, ref_files: list[Path], home: Home) -> None:
    _session_with_checkpoint(eng, ref_files)
    orig = eng.load("orig")
    before = tree_hash(eng.session_dir("orig").path)
    cp = orig.checkpoint("blue")

    new = eng.reset("orig", checkpoint="blue")
    assert new.name == "orig-r1"
    assert new.turns == [] and new.checkpoints == []
    assert new.header.character == SPEC
    assert new.header.parent == Lineage(
        session="orig", kind="reset", checkpoint="cp1", turn=2, image_sha256=cp.image.sha256
    )
    (promoted,) = new.header.references
    assert promoted.role == "promoted" and promoted.sha256 == cp.image.sha256
    assert promoted.source == "promoted:orig/cp1" and "blue" in promoted.label
    sd = eng.session_dir("orig-r1")
    assert sd.blobs.verify(promoted) is None
    assert tree_hash(eng.session_dir("orig").path) == before  # the original is untouched

    kept = eng.reset("orig", checkpoint="cp1", into="orig-keep", keep_refs=True)
    assert [r.role for r in kept.header.references] == ["promoted", "other", "other"]
    assert [r.sha256 for r in kept.header.references[1:]] == [r.sha256 for r in orig.header.references]
    ksd = eng.session_dir("orig-keep")
    assert all(ksd.blobs.verify(r) is None for r in kept.header.references)

    # the next turn in the new session starts fresh, with the promoted image as its reference
    turn = eng.send("orig-keep", "in the snow")
    assert turn.index == 1
    assert fake.seen[-1].history == []
    assert fake.seen[-1].references[0][3] == eng.session_dir("orig").blobs.read(cp.image)


def test_reset_refusals_change_nothing(eng: Engine, ref_files: list[Path], home: Home) -> None:
    _session_with_checkpoint(eng, ref_files)
    eng.reset("orig", checkpoint="blue", into="taken")
    before = tree_hash(home.root)
    with pytest.raises(InvalidInput, match="no checkpoint 'nope'"):
        eng.reset("orig", checkpoint="nope")
    with pytest.raises(AlreadyExists):
        eng.reset("orig", checkpoint="blue", into="taken")
    with pytest.raises(InvalidInput):
        eng.reset("orig", checkpoint="blue", into="../escape")
    with pytest.raises(NotFound):
        eng.reset("missing", checkpoint="blue")
    assert tree_hash(home.root) == before


# -- fork and resume -------------------------------------------------------------------------------


def test_fork_copies_turns_up_to_n(eng: Engine, ref_files: list[Path]) -> None:
    _session_with_checkpoint(eng, ref_files)
    orig_path = eng.session_dir("orig").path
    before = tree_hash(orig_path)
    forked = eng.fork("orig", turn=2, into="branch")
    orig = eng.load("orig")
    assert [t.index for t in forked.turns] == [1, 2]
    assert forked.turns == orig.turns[:2]
    assert [c.id for c in forked.checkpoints] == ["cp1"]
    assert forked.header.parent == Lineage(session="orig", kind="fork", turn=2)
    assert forked.header.references == orig.header.references
    sd = eng.session_dir("branch")
    for image in [*forked.header.references, *(i for t in forked.turns for i in t.images)]:
        assert sd.blobs.verify(image) is None
    assert tree_hash(orig_path) == before
    assert eng.send("branch", "at night").index == 3
    assert len(eng.load("orig").turns) == 3
    with pytest.raises(InvalidInput, match="has no turn 9"):
        eng.fork("orig", turn=9, into="other")
    with pytest.raises(AlreadyExists):
        eng.fork("orig", turn=1, into="branch")


def test_resume_continues_turn_numbering(home: Home, fake: FakeProvider) -> None:
    first = engine_with(home, fake)
    first.new_session("s")
    first.send("s", "one")
    first.send("s", "two")
    again = engine_with(home, fake)  # a new process, in effect
    assert again.send("s", "three").index == 3
    assert [h[1] for h in fake.seen[-1].history] == ["one", "two"]


# -- refusals change nothing on disk -------------------------------------------------------------


def _junk(tmp: Path) -> Path:
    path = tmp / "junk.png"
    path.write_bytes(b"this is not a picture")
    return path


def test_refused_operations_change_nothing_on_disk(
    eng: Engine, home: Home, ref_files: list[Path], tmp_path: Path
) -> None:
    eng.new_session("fresh")  # never written to: no turn, no lock taken yet
    _session_with_checkpoint(eng, ref_files)
    junk = _junk(tmp_path)
    many = []
    for i in range(15):
        path = tmp_path / f"many{i}.png"
        path.write_bytes(png((i, i, i)))
        many.append(RefInput(path))
    refused: list[tuple[str, Callable[[], Any]]] = [
        ("empty prompt", lambda: eng.send("orig", "   ")),
        ("lowercase k", lambda: eng.send("orig", "x", image_size="2k")),
        ("bad ratio", lambda: eng.send("orig", "x", aspect_ratio="7:5")),
        ("seed range", lambda: eng.send("orig", "x", seed=2**32)),
        ("ref then bad size", lambda: eng.send("orig", "x", refs=[RefInput(ref_files[2])], image_size="2k")),
        ("good ref then junk", lambda: eng.send("orig", "x", refs=[RefInput(ref_files[2]), RefInput(junk)])),
        ("missing ref", lambda: eng.send("orig", "x", refs=[RefInput(tmp_path / "nope.png")])),
        ("too many refs", lambda: eng.add_references("orig", many)),
        ("unknown session", lambda: eng.send("ghost", "x")),
        ("approve fresh", lambda: eng.approve("fresh")),
        ("approve dup", lambda: eng.approve("orig", label="blue")),
        ("new existing", lambda: eng.new_session("orig")),
        ("new bad name", lambda: eng.new_session("../x")),
        ("new junk ref", lambda: eng.new_session("n1", refs=[RefInput(ref_files[0]), RefInput(junk)])),
        ("new 15 refs", lambda: eng.new_session("n2", refs=many)),
        ("new folder ref", lambda: eng.new_session("n3", refs=[RefInput(tmp_path)])),
        ("set 2k", lambda: eng.set_params("orig", image_size="2k")),
        ("remove unknown ref", lambda: eng.remove_reference("orig", "ffff")),
        ("fork bad turn", lambda: eng.fork("orig", turn=0, into="f")),
        ("delete unknown", lambda: eng.delete("ghost")),
    ]
    for what, action in refused:
        before = tree_hash(home.root)
        with pytest.raises(SessionTuiError):
            action()
        assert tree_hash(home.root) == before, f"refused '{what}' changed the home"


def test_new_session_with_references_and_params(eng: Engine, ref_files: list[Path]) -> None:
    from session_tui.domain.model import GenerationParams

    session = eng.new_session(
        "s",
        character=SPEC,
        params=GenerationParams(aspect_ratio="16:9", seed=9),
        refs=[RefInput.parse(f"{ref_files[0]}=front view"), RefInput(ref_files[0])],
    )
    (ref,) = session.header.references  # the same bytes twice are one reference
    assert ref.label == "front view" and ref.source == str(ref_files[0])
    assert session.header.params.aspect_ratio == "16:9" and session.header.params.seed == 9
    turn = eng.send("s", "hi")
    assert turn.params.aspect_ratio == "16:9" and turn.params.seed == 9


def test_a_change_of_one_parameter_is_not_refused_for_another_out_of_offer(home: Home) -> None:
    """The profile's model changed under a session holding 1:8 and 512: each can be fixed alone."""
    from session_tui.config import load_config
    from session_tui.domain.model import GenerationParams
    from session_tui.errors import InvalidInput

    config = home.root / "config.toml"
    config.write_text('[providers.p]\nkind = "gemini"\nmodel = "gemini-3.1-flash-image"\n')
    Engine(home, load_config(home)).new_session(
        "s", provider="p", params=GenerationParams(aspect_ratio="1:8", image_size="512")
    )
    config.write_text('[providers.p]\nkind = "gemini"\nmodel = "gemini-3-pro-image"\n')
    eng = Engine(home, load_config(home))
    with pytest.raises(InvalidInput, match="does not offer aspect ratio 1:4"):
        eng.set_params("s", aspect_ratio="1:4")  # the value changed is still checked
    assert eng.set_params("s", aspect_ratio="4:3").header.params.aspect_ratio == "4:3"
    assert eng.set_params("s", image_size="2K").header.params.image_size == "2K"
