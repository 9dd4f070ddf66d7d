"""Issue 15's contracts, each through the real entry point (the CLI in process)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from consistency_support import ORANGE, cli, png, refused

from session_tui.engine import Engine

GEMINI = '[providers.nano]\nkind = "gemini"\nmodel = "gemini-3-pro-image"\n'


def tree_hash(root: Path) -> str:
    """Every path under ``root`` and every file's bytes ('.lock' by existence: it holds a pid)."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        if path.is_file() and path.name != ".lock":
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _gemini_home(home: Path) -> None:
    (home / "config.toml").write_text(GEMINI)


# -- a missing key is known before anything is written ---------------------------------------------


def test_new_warns_and_send_writes_nothing_without_a_key(isolated_home: Path, tmp_path: Path) -> None:
    _gemini_home(isolated_home)
    made = cli("new", "g", "--provider", "nano")
    assert made.code == 0 and "warning: No API key for provider 'nano'" in made.err
    before = tree_hash(isolated_home)
    line = refused(cli("send", "g", "no key please"), 2)
    assert "No API key" in line
    assert tree_hash(isolated_home) == before  # no failed turn, nothing at all
    scenes = tmp_path / "scenes.txt"
    scenes.write_text("beach\npark\n")
    assert cli("series", "g", "--scenes", str(scenes)).code == 2
    assert tree_hash(isolated_home) == before
    assert "#1" not in cli("show", "g").out


def _noise(path: Path, side: int = 700) -> Path:
    import random

    from PIL import Image

    rnd = random.Random(side)
    Image.frombytes("RGB", (side, side), rnd.randbytes(side * side * 3)).save(path, format="PNG")
    return path


def test_a_request_over_budget_whatever_is_shrunk_writes_nothing(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """References travel with every turn: when even they, scaled to the floor, pass the budget,
    the send is refused before a failed turn is written (here 20 kB against a noise picture)."""
    (isolated_home / "config.toml").write_text(GEMINI + "request_budget_mb = 0.02\n")
    monkeypatch.setenv("GEMINI_API_KEY", "k-test")
    ref = _noise(tmp_path / "noise.png")
    assert cli("new", "g", "--provider", "nano").code == 0
    before = tree_hash(isolated_home)
    line = refused(cli("send", "g", "beach", "--ref", str(ref)), 2)  # the reference is not even added
    assert "do not fit in the 0.02 MB request budget" in line
    assert tree_hash(isolated_home) == before
    assert cli("refs", "add", "g", str(ref)).code == 0
    before = tree_hash(isolated_home)
    assert "request budget" in refused(cli("send", "g", "beach"), 2)
    assert tree_hash(isolated_home) == before  # no failed turn
    assert "#1" not in cli("show", "g").out


def test_new_with_the_offline_renderer_does_not_warn() -> None:
    assert cli("new", "o").err == ""


# -- --json failures are one JSON document on stdout ------------------------------------------------


def test_json_errors_are_a_document_on_stdout() -> None:
    run = cli("show", "ghost", "--json")
    assert run.code == 1
    assert json.loads(run.out)["error"]["kind"] == "not_found"
    run = cli("new", "t", "--image-size", "2k", "--json")
    doc = json.loads(run.out)
    assert doc["error"]["exit_code"] == 2 == run.code and "uppercase K" in doc["error"]["message"]
    run = cli("send", "--json")  # a usage error, before any command runs
    assert run.code == 2 and json.loads(run.out)["error"]["kind"] == "usage"
    assert cli("show", "ghost").out == ""  # without --json stdout stays empty


# -- export never mixes two exports ----------------------------------------------------------------


def test_export_refuses_a_folder_with_files_unless_forced(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("s")
    engine.send("s", "beach", seed=1)
    engine.approve("s")
    out = tmp_path / "out"
    out.mkdir()
    (out / "other.png").write_bytes(b"someone else's")
    before = tree_hash(out)
    assert "add --force" in refused(cli("export", "s", "--out", str(out)), 2)
    assert tree_hash(out) == before
    assert cli("export", "s", "--out", str(out), "--force").code == 0
    names = {p.name for p in out.iterdir()}
    assert "other.png" not in names and "manifest.json" in names
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("export", "s", "--out", str(empty)).code == 0


# -- approving the same picture twice ---------------------------------------------------------------


def test_approving_the_same_turn_again_returns_its_checkpoint(engine: Engine) -> None:
    engine.new_session("s")
    engine.send("s", "beach", seed=1)
    assert "Saved checkpoint cp1" in cli("approve", "s").out
    again = cli("approve", "s", "--label", "best", "--json")
    doc = json.loads(again.out)
    assert (doc["id"], doc["label"], doc["already_approved"]) == ("cp1", "best", True)
    assert "already checkpoint cp1 (best)" in cli("approve", "s").out
    assert [cp.label for cp in engine.load("s").checkpoints] == ["best"]
    assert "cp2" in cli("approve", "s", "--again").out
    assert len(engine.load("s").checkpoints) == 2


# -- prompt assembly never asks for both -------------------------------------------------------------


def test_a_change_leaves_out_the_keep_rule_it_touches(engine: Engine) -> None:
    spec = ORANGE.model_copy(update={"keep": ["same orange pigtails", "same orange hoodie"]})
    engine.new_session("s", character=spec)
    engine.send("s", "on the beach", seed=1)
    preview = cli("prompt", "s", "make the hoodie blue")
    assert "same orange hoodie" not in preview.out.splitlines()[1]
    assert "Keep exactly: same orange pigtails; change only this: make the hoodie blue" in preview.out
    assert "Left out the keep rule 'same orange hoodie'" in preview.out
    sent = cli("send", "s", "make the hoodie blue")
    assert "Left out the keep rule 'same orange hoodie'" in sent.out
    turn = engine.load("s").turns[-1]
    assert "same orange hoodie" not in turn.prompt_sent and "same orange pigtails" in turn.prompt_sent
    session = engine.load("s")
    assert engine.left_out_rules(session, "make the hoodie blue") == ["same orange hoodie"]
    assert engine.left_out_rules(session, "in the park") == []


# -- refs and check say what is true ----------------------------------------------------------------


def test_refs_advice_names_a_command_that_works_and_check_is_truthful(engine: Engine, tmp_path: Path) -> None:
    ref = png(tmp_path / "r.png")
    engine.new_session("s", refs=[])
    assert cli("refs", "add", "s", str(ref)).code == 0
    listed = cli("refs", "list", "s")
    listing = listed.out + listed.err
    assert "session-tui refs role NAME HASH ROLE" in listing
    sha = engine.load("s").header.references[0].sha256
    assert cli("refs", "role", "s", sha[:12], "front").code == 0  # the advice's form is accepted
    assert cli("refs", "remove", "s", sha[:12]).code == 0
    check = cli("check", "s")
    assert "interrupted turn" not in check.out or "removed reference" in check.out


# -- names ----------------------------------------------------------------------------------------


def test_names_of_any_script_and_case_twins(isolated_home: Path) -> None:
    assert cli("new", "小橙").code == 0 and cli("new", "café").code == 0
    assert cli("send", "小橙", "在海边", "--seed", "1").code == 0
    assert cli("show", "cafe\u0301").code == 0  # the decomposed spelling finds the same session
    before = tree_hash(isolated_home)
    assert "only in case" in refused(cli("new", "CAFÉ"), 1)
    assert "control character" in refused(cli("new", "a\x1bb"))
    assert "not allowed" in refused(cli("new", "a/b"))
    assert tree_hash(isolated_home) == before


# -- help and output ------------------------------------------------------------------------------


def test_every_command_and_option_has_help() -> None:
    import argparse

    from session_tui.cli.main import build_parser

    def walk(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        for name, parser in sub.choices.items():
            assert parser.description, name
            for action in parser._actions:
                assert action.help, (name, action.dest)
                if action.dest == "name" and not action.option_strings:
                    assert action.metavar == "NAME", name
                if isinstance(action, argparse._SubParsersAction):
                    walk(action)

    walk(next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)))
    assert "NAME-r1" in cli("reset", "--help").out  # --into's default is stated


def test_plurals_aligned_list_and_empty_ref_path(isolated_home: Path) -> None:
    (isolated_home / "config.toml").write_text(
        '[providers.a-very-long-provider-profile-name]\nkind = "offline"\nmodel = "m"\n'
    )
    assert cli("new", "one").code == 0
    assert cli("new", "two", "--provider", "a-very-long-provider-profile-name").code == 0
    cli("send", "one", "beach", "--seed", "1")
    lines = cli("list").out.splitlines()
    assert "1 turn " in lines[0] and "0 turns" in lines[1] and "1 turns" not in lines[0]
    assert lines[0].index("turn") == lines[1].index("turn")  # columns stay aligned
    line = refused(cli("send", "one", "x", "--ref", "=front"))
    assert "path before '=' is empty" in line and "folder" not in line
