"""The CLI contract, through the real entry points in a subprocess.

The entry points are `python -m session_tui` and `session-tui`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from PIL import Image

from session_tui.cli.main import build_parser

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_HOME = REPO / "sessions"
CONTRACT_COMMANDS = {"new", "send", "approve", "reset", "fork", "list", "show", "open", "export", "paths"}
SPEC_TOML = """\
name = "Little Orange"
hair = "orange pigtails"
outfit = "orange hoodie and white skirt"
accessories = ["orange hair accessory"]
palette = ["#FF8C00", "#FFA500", "#FFFFFF", "#FFE4B5"]
"""


def script() -> list[str]:
    found = Path(sysconfig.get_path("scripts")) / "session-tui"
    path = str(found) if found.exists() else shutil.which("session-tui")
    assert path, "the session-tui script is not installed (pip install -e '.[test]')"
    return [path]


ENTRY_POINTS = {"module": lambda: [sys.executable, "-m", "session_tui"], "script": script}


def run(
    *args: str, entry: str = "module", env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ENTRY_POINTS[entry](), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env=env if env is not None else dict(os.environ),
        cwd=cwd,
    )


def ok_json(*args: str, entry: str = "module") -> object:
    """Run a --json command that must succeed; its stdout is exactly one JSON document."""
    out = run(*args, "--json", entry=entry)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    return json.loads(out.stdout)  # json.loads refuses anything after the first document


def refused(out: subprocess.CompletedProcess[str], code: int | None = None) -> str:
    """A refusal: non-zero exit, nothing on stdout, one line on stderr, no traceback."""
    assert out.returncode != 0, out.stdout
    if code is not None:
        assert out.returncode == code, (out.returncode, out.stderr)
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("session-tui: ") and lines[0].endswith(".")
    assert "Traceback" not in out.stderr and "Error:" not in out.stderr
    return lines[0]


def tree_hash(root: Path) -> str:
    """Every path under ``root`` and every file's bytes; '.lock' counts by existence (it holds a pid)."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        if path.is_file() and path.name != ".lock":
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def check_paths(doc: dict) -> None:
    """Every image and checkpoint `show --json` names is a file there, with the bytes its hash says."""

    def same(image: dict) -> None:
        path = Path(image["path"])
        assert path.is_absolute() and path.is_file(), path
        assert hashlib.sha256(path.read_bytes()).hexdigest() == image["sha256"]
        assert path.is_relative_to(doc["path"])

    for ref in doc["references"]:
        same(ref)
    for turn in doc["turns"]:
        for image in turn["images"]:
            same(image)
    for cp in doc["checkpoints"]:
        same(cp["image"])
        assert cp["path"] == cp["image"]["path"]


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "little-orange.toml"
    path.write_text(SPEC_TOML, encoding="utf-8")
    return path


@pytest.fixture
def ref_file(tmp_path: Path) -> Path:
    path = tmp_path / "front.png"
    Image.new("RGB", (32, 40), (255, 140, 0)).save(path)
    return path


# -- the whole flow --------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["module", "script"])
def test_whole_flow(entry: str, isolated_home: Path, spec_file: Path, ref_file: Path, tmp_path: Path) -> None:
    created = ok_json(
        "new",
        "orange",
        "--character",
        str(spec_file),
        "--ref",
        f"{ref_file}=front",
        "--aspect-ratio",
        "4:3",
        entry=entry,
    )
    assert created["name"] == "orange" and created["character"]["name"] == "Little Orange"  # type: ignore[index]
    assert Path(created["path"]) == isolated_home / "orange"  # type: ignore[index]
    turns = [
        ok_json("send", "orange", prompt, "--seed", str(seed), entry=entry)
        for seed, prompt in enumerate(["on the beach", "make the scarf blue", "in the park"], start=1)
    ]
    assert [t["index"] for t in turns] == [1, 2, 3]  # type: ignore[index]
    assert all(t["status"] == "ok" for t in turns)  # type: ignore[index]
    cp = ok_json("approve", "orange", "--turn", "2", "--label", "blue", "--note", "the one", entry=entry)
    assert (cp["id"], cp["turn"], cp["label"]) == ("cp1", 2, "blue")  # type: ignore[index]
    child = ok_json("reset", "orange", "--checkpoint", "blue", "--into", "orange-2", entry=entry)
    assert child["parent"]["session"] == "orange" and child["parent"]["checkpoint"] == "cp1"  # type: ignore[index]
    assert child["turns"] == [] and [r["role"] for r in child["references"]] == ["promoted"]  # type: ignore[index]
    fresh = ok_json("send", "orange-2", "in the snow", entry=entry)
    assert fresh["index"] == 1  # type: ignore[index]
    exported = ok_json("export", "orange", "--out", str(tmp_path / "exported"), entry=entry)
    written = sorted(p.name for p in (tmp_path / "exported").iterdir())
    assert {"manifest.json", "orange_cp1_blue.png"} <= set(written)
    assert [f for f in written if f.endswith("_blue.png") or "_cp" in f] == ["orange_cp1_blue.png"]
    assert exported == {"path": str(tmp_path / "exported"), "files": written}

    shown = ok_json("show", "orange", entry=entry)
    assert isinstance(shown, dict)
    assert (shown["name"], shown["provider"], shown["model"], shown["parent"]) == (
        "orange",
        "offline",
        "offline-renderer",
        None,
    )
    assert [t["prompt"] for t in shown["turns"]] == ["on the beach", "make the scarf blue", "in the park"]
    assert [t["params"]["seed"] for t in shown["turns"]] == [1, 2, 3]
    assert all(t["params"]["aspect_ratio"] == "4:3" for t in shown["turns"])
    assert shown["references"][0]["label"] == "front"
    assert shown["checkpoints"][0]["image"]["sha256"] == shown["turns"][1]["images"][0]["sha256"]
    assert shown["turns"][1]["images"][0]["path"] == turns[1]["images"][0]["path"]  # type: ignore[index]
    check_paths(shown)
    child_shown = ok_json("show", "orange-2", entry=entry)
    assert isinstance(child_shown, dict)
    assert child_shown["parent"]["kind"] == "reset" and child_shown["parent"]["turn"] == 2
    assert child_shown["references"][0]["sha256"] == shown["checkpoints"][0]["image"]["sha256"]
    check_paths(child_shown)

    listed = ok_json("list", entry=entry)
    assert [(s["name"], s["turns"], s["checkpoints"], s["parent"]) for s in listed] == [  # type: ignore[union-attr]
        ("orange", 3, 1, None),
        ("orange-2", 1, 0, "orange"),
    ]

    # the plain (non-JSON) output works too and names the paths
    out = run("show", "orange", entry=entry)
    assert out.returncode == 0 and shown["checkpoints"][0]["path"] in out.stdout


def test_fork_through_the_cli(isolated_home: Path) -> None:
    ok_json("new", "s")
    for prompt in ("one", "two", "three"):
        ok_json("send", "s", prompt)
    forked = ok_json("fork", "s", "--turn", "2", "--into", "s-branch")
    assert isinstance(forked, dict)
    assert [t["prompt"] for t in forked["turns"]] == ["one", "two"]
    assert forked["parent"] == {
        "session": "s",
        "kind": "fork",
        "checkpoint": None,
        "turn": 2,
        "image_sha256": None,
        "parent_deleted_at": None,
        "moved_from": None,
    }
    check_paths(forked)
    assert len(ok_json("show", "s")["turns"]) == 3  # type: ignore[index]


def test_plain_output_is_not_json(isolated_home: Path) -> None:
    out = run("new", "s")
    assert out.returncode == 0 and out.stdout.startswith("Created session 's'")
    out = run("send", "s", "hello", "--seed", "1")
    first, reply = out.stdout.splitlines()
    assert out.returncode == 0 and first.startswith("Turn 1: ") and first.endswith(".png")
    assert reply.startswith("  Drawn offline (not an AI model)")  # the reply, under the line scripts read
    out = run("send", "s", "riding a dragon")
    assert out.stdout.splitlines()[-1].endswith("Not drawn: dragon.")
    assert "  params: 1:1 1K seed random" in run("show", "s").stdout.splitlines()


# -- errors ----------------------------------------------------------------------------------------


def test_refusals_are_one_sentence_and_change_nothing(
    isolated_home: Path, tmp_path: Path, ref_file: Path, spec_file: Path
) -> None:
    assert run("new", "s", "--ref", str(ref_file)).returncode == 0
    assert run("new", "fresh").returncode == 0
    assert run("send", "s", "hello", "--seed", "1").returncode == 0
    assert run("approve", "s", "--label", "best").returncode == 0
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a picture at all")
    many = []
    for i in range(15):
        path = tmp_path / f"r{i}.png"
        Image.new("RGB", (4, 4), (i, 0, 0)).save(path)
        many += ["--ref", str(path)]
    bad_spec = tmp_path / "bad.toml"
    bad_spec.write_text('name = "x"\ncolour = "red"\n')
    cases: list[tuple[list[str], int | None, str]] = [
        (["new", "../x"], 2, "not allowed"),
        (["new", "/abs"], 2, "not allowed"),
        (["new", ""], 2, "empty"),
        (["new", ".hidden"], 2, "not allowed"),
        (["new", "x" * 101], 2, "101 characters"),
        (["new", "a b"], 2, "not allowed"),
        (["new", "a\tb"], 2, "control character"),
        (["new", "s"], None, "already exists"),
        (["new", "t", "--image-size", "2k"], 2, "uppercase K"),
        (["new", "t", "--aspect-ratio", "7:5"], 2, "16:9"),
        (["new", "t", "--seed", "-1"], 2, "4294967295"),
        (["new", "t", "--seed", "4294967296"], 2, "4294967295"),
        (["new", "t", "--seed", "abc"], 2, "not a whole number"),
        (["new", "t", "--ref", str(tmp_path / "missing.png")], 2, "does not exist"),
        (["new", "t", "--ref", str(ref_file), "--ref", str(junk)], 2, "junk.png"),
        (["new", "t", *many], 2, "limit is 14"),
        (["new", "t", "--character", str(tmp_path / "nope.toml")], 2, "does not exist"),
        (["new", "t", "--character", str(bad_spec)], 2, "colour"),
        (["new", "t", "--provider", "nope"], 2, "No provider profile named 'nope'"),
        (["send", "ghost", "hi"], 1, "No session named 'ghost'"),
        (["send", "s", "  "], 2, "prompt is empty"),
        (["send", "s", "hi", "--image-size", "2k", "--ref", str(ref_file)], 2, "uppercase K"),
        (["send", "s", "hi", "--ref", str(junk)], 2, "junk.png"),
        (["send", "../s", "hi"], 2, "not allowed"),
        (["approve", "fresh"], 2, "no turn with an image"),
        (["approve", "s", "--turn", "9"], 2, "no turn 9"),
        (["approve", "s", "--again", "--label", "best"], 2, "already labelled"),
        (["reset", "s", "--checkpoint", "nope"], 2, "no checkpoint 'nope'"),
        (["reset", "s", "--checkpoint", "best", "--into", "fresh"], None, "already exists"),
        (["reset", "s", "--checkpoint", "best", "--into", "../up"], 2, "not allowed"),
        (["reset", "s"], 2, "--checkpoint"),
        (["fork", "s", "--turn", "5", "--into", "f"], 2, "no turn 5"),
        (["fork", "s", "--turn", "1"], 2, "--into"),
        (["fork", "s", "--turn", "one", "--into", "f"], 2, "invalid int"),
        (["export", "fresh", "--out", str(tmp_path / "exp")], 2, "no checkpoints"),
        (["export", "s", "--out", str(tmp_path / "exp"), "--checkpoint", "nope"], 2, "no checkpoint"),
        (["show", "ghost"], 1, "No session named 'ghost'"),
        (["show", "../../etc"], 2, "not allowed"),
        (["frobnicate"], 2, "invalid choice"),
        (["send"], 2, "required"),
        (["new", "t", "--bogus"], 2, "Unrecognized"),
    ]
    for args, code, words in cases:
        before = tree_hash(isolated_home)
        line = refused(run(*args), code)
        assert words in line, (args, line)
        assert tree_hash(isolated_home) == before, f"refused {args} changed the home"
        assert not (tmp_path / "exp").exists()
    # --json: the refusal is also one JSON document on stdout
    out = run("show", "ghost", "--json")
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert json.loads(out.stdout) == {
        "error": {"kind": "not_found", "message": out.stderr[len("session-tui: ") :].strip(), "exit_code": 1}
    }


# -- help, version, paths, --home --------------------------------------------------------------------


def test_help_on_every_command() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    commands = set(sub.choices)  # type: ignore[arg-type]
    assert commands >= CONTRACT_COMMANDS
    for command in sorted(commands):
        out = run(command, "--help")
        assert out.returncode == 0, (command, out.stderr)
        assert out.stdout.startswith(f"usage: session-tui {command}") and out.stderr == ""
    top = run("--help", entry="script")
    assert top.returncode == 0 and all(c in top.stdout for c in CONTRACT_COMMANDS)


def test_version() -> None:
    from session_tui import __version__

    for entry in ENTRY_POINTS:
        out = run("--version", entry=entry)
        assert (out.returncode, out.stdout.strip()) == (0, f"session-tui {__version__}")


def test_home_flag_before_and_after_the_command(tmp_path: Path) -> None:
    home = tmp_path / "elsewhere"
    env = {**os.environ, "SESSION_TUI_HOME": str(tmp_path / "env-home")}
    assert run("--home", str(home), "new", "before", env=env).returncode == 0
    assert run("new", "after", "--home", str(home), env=env).returncode == 0
    assert sorted(p.name for p in home.iterdir() if not p.name.startswith(".")) == ["after", "before"]
    assert not (tmp_path / "env-home").exists()  # --home wins over the environment
    for args in (["--home", str(home), "list", "--json"], ["list", "--json", "--home", str(home)]):
        out = run(*args, env=env)
        assert [s["name"] for s in json.loads(out.stdout)] == ["after", "before"]
    env_only = run("list", "--json", env={**os.environ, "SESSION_TUI_HOME": str(home)})
    assert [s["name"] for s in json.loads(env_only.stdout)] == ["after", "before"]
    # relative --home is taken from the working directory
    assert run("--home", "rel", "new", "r", cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "rel" / "r" / "session.json").is_file()


def test_paths(tmp_path: Path, isolated_home: Path) -> None:
    doc = ok_json("paths")
    assert isinstance(doc, dict)
    assert doc["home"] == str(isolated_home) and doc["config"] == str(isolated_home / "config.toml")
    assert doc["sessions"] == str(isolated_home)
    assert {"keys", "logs"} <= set(doc)
    moved = ok_json("--home", str(tmp_path / "h"), "paths", entry="script")
    assert all(str(v).startswith(str(tmp_path / "h")) for v in moved.values())  # type: ignore[union-attr]
    plain = run("paths")
    assert plain.returncode == 0 and str(isolated_home / "config.toml") in plain.stdout
    assert not (tmp_path / "h").exists()  # paths only reports, it creates nothing


def test_list_empty_home(isolated_home: Path) -> None:
    assert ok_json("list") == []
    out = run("list")
    assert out.returncode == 0 and "No sessions" in out.stdout


# -- the repository's example home -----------------------------------------------------------------


def test_list_and_show_the_example_home() -> None:
    if not (EXAMPLE_HOME.is_dir() and any((p / "session.json").is_file() for p in EXAMPLE_HOME.iterdir())):
        pytest.skip("the repository has no example sessions")
    before = tree_hash(EXAMPLE_HOME)
    listed = ok_json("--home", str(EXAMPLE_HOME), "list")
    assert isinstance(listed, list) and listed
    assert all(s["error"] is None for s in listed), listed
    for summary in listed:
        doc = ok_json("--home", str(EXAMPLE_HOME), "show", summary["name"])
        assert isinstance(doc, dict) and doc["warnings"] == []
        check_paths(doc)
        if doc["parent"]:
            assert doc["parent"]["session"] in {s["name"] for s in listed}
    plain = run("--home", "sessions", "list", cwd=REPO)  # relative, as the README says
    assert plain.returncode == 0 and all(s["name"] in plain.stdout for s in listed)
    assert tree_hash(EXAMPLE_HOME) == before  # reading changes nothing


def test_example_home_holds_the_articles_characters() -> None:
    names = (
        {p.name for p in EXAMPLE_HOME.iterdir() if (p / "session.json").is_file()}
        if EXAMPLE_HOME.is_dir()
        else set()
    )
    if not names:
        pytest.skip("the repository has no example sessions")
    listed = ok_json("--home", str(EXAMPLE_HOME), "list")
    assert names == {s["name"] for s in listed}  # type: ignore[union-attr]
    if "little-orange" in names:
        orange = ok_json("--home", str(EXAMPLE_HOME), "show", "little-orange")
        assert isinstance(orange, dict)
        assert orange["character"]["palette"] == ["#FF8C00", "#FFA500", "#FFFFFF", "#FFE4B5"]
        assert len(orange["checkpoints"]) >= 2 and orange["references"]
    if "little-blue" in names:
        blue = ok_json("--home", str(EXAMPLE_HOME), "show", "little-blue")
        text = json.dumps(blue["character"], ensure_ascii=False)  # type: ignore[index]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text)  # written in Chinese


# -- send --json when the turn fails -------------------------------------------------------------


def test_send_json_prints_the_failed_turn(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    """In process (a provider that fails cannot be configured offline): stdout holds the stored failure."""
    from session_tui import engine as engine_mod
    from session_tui.cli.main import main as cli_main
    from session_tui.config import Profile
    from session_tui.errors import ProviderError
    from session_tui.paths import Home
    from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, Provider

    class Down(Provider):
        kind = "down"

        def capabilities(self) -> Capabilities:
            return Capabilities(multi_turn=True, max_references=14, seed_honoured=False)

        def generate(self, request: GenerationRequest) -> GenerationResult:
            raise ProviderError("The service is down; try again later.")

    down = Down("down", Profile(kind="offline", model="m"), Home(isolated_home))
    real = engine_mod.Engine
    monkeypatch.setattr(engine_mod, "Engine", lambda home: real(home, provider_factory=lambda c, n, h: down))
    assert cli_main(["new", "s"]) == 0
    capsys.readouterr()
    assert cli_main(["send", "s", "hello", "--json"]) == 4
    out, err = capsys.readouterr()
    doc = json.loads(out)  # one document: the error, and the failed turn as stored beside it
    assert doc["error"] == {
        "kind": "provider_error",
        "message": "The service is down; try again later.",
        "exit_code": 4,
    }
    turn = doc["turn"]
    assert (turn["index"], turn["status"], turn["prompt"], turn["error"]) == (
        1,
        "failed",
        "hello",
        "The service is down; try again later.",
    )
    assert err == "session-tui: The service is down; try again later.\n"


def test_send_json_refusal_does_not_print_an_older_failure(isolated_home: Path) -> None:
    from session_tui.domain.model import Turn
    from session_tui.store.sessions import SessionDir

    ok_json("new", "s")
    SessionDir(isolated_home / "s").append_turn(Turn(index=1, prompt="hello", status="failed", error="down"))
    out = run("send", "s", "hello", "--image-size", "2k", "--json")
    assert out.returncode == 2 and "uppercase K" in out.stderr
    doc = json.loads(out.stdout)  # the error alone: no stale turn 1 beside it
    assert set(doc) == {"error"} and doc["error"]["kind"] == "invalid_input"
