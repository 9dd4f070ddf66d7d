"""Issue 16, tracebacks and hangs: home names, deep nesting, zips, the editor, FIFOs, decoder bugs,
and a symlinked cache."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from rel_support import build_session, one_sentence, png_bytes, run_cli, snapshot

from session_tui.engine import Engine
from session_tui.paths import Home


class Hung(Exception):
    pass


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail (instead of hanging the suite) when a command blocks for 20 s."""

    def fire(signum: int, frame: object) -> None:
        raise Hung("the command hung")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# 2. Names that are the home's own files --------------------------------------------------------


@pytest.mark.parametrize("name", ["config.toml", "keys.json", "Config.TOML"])
def test_names_of_the_homes_own_files_are_refused(
    engine: Engine, home: Home, name: str, tmp_path: Path
) -> None:
    r = run_cli("new", name)
    assert r.code == 2 and one_sentence(r.err) and "home's own files" in r.err
    assert not (home.root / name).exists()
    build_session(engine)
    r = run_cli("fork", "demo", "--turn", "1", "--into", name)
    assert r.code == 2 and not (home.root / name).exists()
    out = tmp_path / "s.zip"
    assert run_cli("export", "demo", "--out", str(tmp_path / "e")).code == 0
    with zipfile.ZipFile(out, "w") as zf:
        for p in sorted((home.root / "demo").rglob("*")):
            if p.is_file() and p.name != ".lock":
                zf.write(p, f"{name}/{p.relative_to(home.root / 'demo')}")
    for argv in (["import", str(out)], ["import", str(out), "--as", name]):
        r = run_cli(*argv)
        assert r.code == 2 and one_sentence(r.err), r.err
        assert not (home.root / name).exists()
    assert run_cli("list").code == 0


def test_a_folder_where_the_config_belongs_is_one_sentence(home: Home) -> None:
    home.config_file.mkdir()
    r = run_cli("list")
    assert r.code != 0 and one_sentence(r.err) and "is a folder" in r.err


# 7. Deep nesting -------------------------------------------------------------------------------


DEEP_TOML = "x = " + "[" * 5000 + "]" * 5000 + "\n"


def test_deeply_nested_toml_and_json_are_one_sentence(engine: Engine, home: Home, tmp_path: Path) -> None:
    build_session(engine, turns=1, approve=False)
    deep = tmp_path / "deep.toml"
    deep.write_text(DEEP_TOML)
    for argv in (["character", "check", str(deep)], ["character", "set", "demo", str(deep)]):
        r = run_cli(*argv)
        assert r.code == 2 and one_sentence(r.err) and "nested too deeply" in r.err, (argv, r.err)
    r = run_cli("series", "demo", "--scenes", str(deep))
    assert r.code == 2 and one_sentence(r.err) and "nested too deeply" in r.err
    home.config_file.write_text(DEEP_TOML)
    r = run_cli("list")
    assert r.code != 0 and one_sentence(r.err) and "nested too deeply" in r.err
    home.config_file.unlink()
    home.keys_file.write_text("[" * 100_000 + "]" * 100_000)
    home.keys_file.chmod(0o600)
    r = run_cli("keys", "list")
    assert r.code != 0 and one_sentence(r.err) and "damaged" in r.err


# 8. Zips: a folder named session.json, a header that expands to gigabytes ---------------------


def _session_zip(engine: Engine, home: Home, out: Path, extra: dict[str, bytes], skip: str = "") -> Path:
    build_session(engine, turns=1, approve=False)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted((home.root / "demo").rglob("*")):
            rel = str(p.relative_to(home.root / "demo"))
            if p.is_file() and p.name != ".lock" and rel != skip:
                zf.write(p, f"x/{rel}")
        for name, data in extra.items():
            zf.writestr(name, data)
    return out


def test_zip_with_a_folder_named_session_json_is_refused(engine: Engine, home: Home, tmp_path: Path) -> None:
    out = tmp_path / "d.zip"
    build_session(engine, turns=1, approve=False)
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("x/session.json/"), b"")
        zf.write(home.root / "demo" / "journal.jsonl", "x/journal.jsonl")
    r = run_cli("import", str(out), "--as", "imp")
    assert r.code == 2 and one_sentence(r.err) and "folder" in r.err, r.err
    assert not (home.root / "imp").exists()


def test_zip_whose_header_expands_far_past_any_header_is_refused_unread(
    engine: Engine, home: Home, tmp_path: Path
) -> None:
    import random

    rng = random.Random(1)  # 20 MiB that compress about 127:1, under the zip-bomb ratio
    pad = bytes(rng.choice(b"abcdefgh") if i % 400 == 0 else 32 for i in range(2**20)) * 20
    huge = b'{"name": "x", "pad": "' + pad + b'"}'
    out = _session_zip(engine, home, tmp_path / "h.zip", {"x/session.json": huge}, skip="session.json")
    info = zipfile.ZipFile(out).getinfo("x/session.json")
    assert info.file_size > 16 * 2**20
    r = run_cli("import", str(out), "--as", "imp")
    assert r.code == 2 and one_sentence(r.err) and "session's header can be" in r.err, r.err
    assert not (home.root / "imp").exists()


def test_zip_member_larger_than_an_image_can_be_is_refused(
    engine: Engine, home: Home, tmp_path: Path
) -> None:
    import random

    rng = random.Random(2)  # compresses about 127:1, under the zip-bomb ratio
    pad = bytes(rng.choice(b"abcdefgh") if i % 400 == 0 else 32 for i in range(2**20)) * 101
    name = "x/blobs/ab/" + "ab" * 32 + ".png"
    out = _session_zip(engine, home, tmp_path / "b.zip", {name: pad})
    r = run_cli("import", str(out), "--as", "imp")
    assert r.code == 2 and one_sentence(r.err) and "image can be" in r.err, r.err


# 9. prompt --edit: an editor that saves something else ----------------------------------------


def _editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text("import os, shutil, sys\npath = sys.argv[1]\n" + body)
    return f"{sys.executable} {script}"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("open(path, 'wb').write(b'\\xff\\xfe caf\\xe9 \\x80')\n", "UTF-8"),
        ("os.remove(path); os.mkdir(path)\n", "a folder"),
        ("os.remove(path); os.mkfifo(path)\n", "not a file"),
    ],
    ids=["invalid utf-8", "folder", "fifo"],
)
def test_prompt_edit_with_a_bad_save_is_one_sentence_and_sends_nothing(
    engine: Engine,
    home: Home,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    body: str,
    words: str,
    deadline: None,
) -> None:
    build_session(engine, turns=1, approve=False)
    before = snapshot(home.root / "demo")
    monkeypatch.setenv("EDITOR", _editor(tmp_path, body))
    monkeypatch.delenv("VISUAL", raising=False)
    r = run_cli("prompt", "demo", "on the moon", "--edit")
    assert r.code == 2 and one_sentence(r.err) and words in r.err and "nothing was sent" in r.err, r.err
    assert snapshot(home.root / "demo") == before


# 10. FIFOs never hang a command ----------------------------------------------------------------


def _fifo_in_place_of(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize(
    "argv",
    [["list"], ["show", "demo"], ["check"], ["send", "demo", "x"], ["approve", "demo"], ["export", "demo"]],
)
def test_a_fifo_journal_does_not_hang(
    engine: Engine, home: Home, tmp_path: Path, argv: list[str], deadline: None
) -> None:
    build_session(engine)
    _fifo_in_place_of(home.root / "demo" / "journal.jsonl")
    if argv[0] == "export":
        argv = [*argv, "--out", str(tmp_path / "out")]
    r = run_cli(*argv)
    if argv[0] == "list":
        assert r.code == 0 and "demo" in r.out
    else:
        assert r.code != 0 and "not a regular file" in (r.out + r.err), (argv, r.out, r.err)
    assert stat.S_ISFIFO(os.lstat(home.root / "demo" / "journal.jsonl").st_mode)


@pytest.mark.parametrize("argv", [["check"], ["export", "demo"], ["show", "demo"]])
def test_a_fifo_image_does_not_hang(
    engine: Engine, home: Home, tmp_path: Path, argv: list[str], deadline: None
) -> None:
    s = build_session(engine)
    image = s.checkpoints[0].image
    blob = home.root / "demo" / "blobs" / image.sha256[:2] / f"{image.sha256}.png"
    _fifo_in_place_of(blob)
    if argv[0] == "export":
        argv = [*argv, "--out", str(tmp_path / "out")]
    r = run_cli(*argv)
    if argv[0] != "show":
        assert r.code != 0 and "not a regular file" in (r.out + r.err), (argv, r.out, r.err)


def test_fifo_config_keys_and_cache_do_not_hang(engine: Engine, home: Home, deadline: None) -> None:
    build_session(engine)
    os.mkfifo(home.config_file)
    r = run_cli("list")
    assert r.code != 0 and one_sentence(r.err) and "not a regular file" in r.err
    home.config_file.unlink()
    os.mkfifo(home.keys_file, 0o600)
    r = run_cli("keys", "list")
    assert r.code != 0 and one_sentence(r.err), r.err
    home.keys_file.unlink()
    png = home.root.parent / "ref.png"
    png.write_bytes(png_bytes((40, 40)))
    assert run_cli("refs", "add", "demo", str(png)).code == 0
    cache = home.root / "demo" / "cache"
    for entry in cache.rglob("*.json"):
        _fifo_in_place_of(entry)
    r = run_cli("score", "demo")
    assert r.code == 0, r.err


# 11. Any exception a decoder raises is a refusal ----------------------------------------------


def test_a_decoder_that_raises_type_error_is_refused_in_one_sentence(
    engine: Engine, home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    build_session(engine, turns=1, approve=False)
    ref = tmp_path / "crash.tif"
    ref.write_bytes(b"II*\x00" + b"\x00" * 60)
    real = Image.open

    def crashing_open(fp: object, *args: object, **kwargs: object) -> object:
        data = fp.getvalue() if isinstance(fp, io.BytesIO) else b""
        if data.startswith(b"II*\x00"):
            raise TypeError("Missing dimensions")  # what Pillow's crash-2020-10-test.tif raises
        return real(fp, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Image, "open", crashing_open)
    before = snapshot(home.root / "demo")
    for argv in (["refs", "add", "demo", str(ref)], ["send", "demo", "x", "--ref", str(ref)]):
        r = run_cli(*argv)
        assert r.code == 2 and one_sentence(r.err) and "damaged" in r.err, (argv, r.err)
    assert snapshot(home.root / "demo") == before


# 14. A symlinked cache/ is neither read nor written through -----------------------------------


def test_writes_never_escape_through_a_linked_cache(engine: Engine, home: Home, tmp_path: Path) -> None:
    build_session(engine)
    outside = tmp_path / "outside"
    outside.mkdir()
    cache = home.root / "demo" / "cache"
    if cache.exists():
        import shutil

        shutil.rmtree(cache)
    cache.symlink_to(outside)
    png = tmp_path / "ref.png"
    png.write_bytes(png_bytes((40, 40)))
    assert run_cli("refs", "add", "demo", str(png)).code == 0
    assert run_cli("send", "demo", "more").code == 0
    assert run_cli("score", "demo").code == 0
    assert list(outside.rglob("*")) == []
    r = run_cli("check", "demo")
    assert r.code == 1 and "cache is a symbolic link" in r.out
    assert json.loads(run_cli("show", "demo", "--json").out)["name"] == "demo"


# 16. A keys file with mode 620 is group-writable, not "readable by other users" ---------------


def test_keys_file_mode_620_is_called_group_writable(home: Home) -> None:
    home.keys_file.write_text("{}")
    home.keys_file.chmod(0o620)
    r = run_cli("keys", "list")
    assert r.code != 0 and one_sentence(r.err)
    assert "changed by other users" in r.err and "read by other users" not in r.err


def test_a_fifo_in_the_input_cache_is_a_miss_not_a_hang(tmp_path: Path, deadline: None) -> None:
    from session_tui.providers.input_cache import _read_regular

    fifo = tmp_path / "entry.png"
    os.mkfifo(fifo)
    assert _read_regular(fifo) == b""
