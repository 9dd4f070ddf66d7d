"""Names, labels, export names and references cannot escape their folders."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from rel_support import build_session, png_bytes, run_cli

from session_tui.engine import Engine, RefInput
from session_tui.errors import InvalidInput
from session_tui.paths import Home

BAD_NAMES = [
    "..",
    "../escape",
    "/etc/passwd",
    "a/b",
    "a\\b",
    "a\x00b",
    "x" * 101,
    ".hidden",
    "name\n",
    "~root",
    "with space",
    "",
    "-",
    "a\tb",
    "$(touch pwned)",
]


def _everything(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_bad_session_names_are_refused_everywhere(
    engine: Engine, home: Home, tmp_path: Path, bad: str
) -> None:
    if bad == "-":
        pytest.skip("'-' is a valid name")
    build_session(engine)
    outside_before = _everything(tmp_path)
    commands = [
        ["new", bad],
        ["show", bad],
        ["send", bad, "hello"],
        ["approve", bad],
        ["check", bad],
        ["export", bad, "--out", str(tmp_path / "o")],
        ["fork", "demo", "--turn", "1", "--into", bad],
        ["reset", "demo", "--checkpoint", "first", "--into", bad],
    ]
    for argv in commands:
        if bad == "" and "--into" in argv:
            continue  # an empty --into means "choose a name for me"
        r = run_cli(*argv)
        assert r.code != 0, (argv, r)
        assert r.err.startswith("session-tui: ") and r.err.count("\n") == 1 and "Traceback" not in r.err, (
            argv,
            r,
        )
    assert _everything(tmp_path) == outside_before
    assert engine.store.names() == ["demo"]


def test_a_dash_is_an_ordinary_name(engine: Engine) -> None:
    assert run_cli("new", "--", "-").code in (0, 2)  # argparse may read it as an option; never a traceback


def test_longest_name_works_and_derived_names_stay_in_bounds(engine: Engine, home: Home) -> None:
    name = "n" * 100
    build_session(engine, name)
    reset = engine.reset(name, checkpoint="first")
    forked = engine.fork(name, turn=1)
    for s in (reset, forked):
        assert len(s.name) <= 100 and (home.root / s.name).is_dir()


HOSTILE_LABELS = [
    "../../../etc/passwd",
    "/abs/path",
    "a\x00b",
    "line\nbreak",
    "..",
    "." * 300,
    "名前" * 200,
    "C:\\Windows\\system32",
    "<script>",
    "x" * 5000,
]


def test_hostile_labels_stay_inside_exports(engine: Engine, home: Home, tmp_path: Path) -> None:
    build_session(engine, turns=len(HOSTILE_LABELS), approve=False)
    for i, label in enumerate(HOSTILE_LABELS, start=1):
        engine.approve("demo", turn=i, label=label)
    out = tmp_path / "exports" / "here"
    before = _everything(tmp_path)
    assert run_cli("export", "demo", "--out", str(out)).code == 0
    created = _everything(tmp_path) - before
    assert all(c.startswith("exports/here") or c == "exports" for c in created), created
    files = sorted(p.name for p in out.iterdir())
    assert (
        len([f for f in files if f.startswith("demo_cp")]) == len(HOSTILE_LABELS) and "manifest.json" in files
    )
    assert all(len(f.encode()) < 255 and "/" not in f and "\x00" not in f for f in files)
    for page in out.glob("*.html"):  # a label is text, never markup
        assert "<script>" not in page.read_text(encoding="utf-8")
    assert run_cli("export", "demo", "--zip", "--out", str(tmp_path / "e.zip")).code == 0
    with zipfile.ZipFile(tmp_path / "e.zip") as zf:
        for info in zf.infolist():
            parts = Path(info.filename).parts
            assert not Path(info.filename).is_absolute() and ".." not in parts and "\\" not in info.filename
            assert parts[0] == "demo"


def test_export_name_from_a_hostile_session_name_is_safe(engine: Engine, tmp_path: Path) -> None:
    build_session(engine, "a..b")
    assert run_cli("export", "a..b", "--zip", "--out", str(tmp_path)).code == 0
    assert (tmp_path / "a..b.zip").is_file()


def test_reference_labels_and_paths(engine: Engine, home: Home, tmp_path: Path) -> None:
    img = tmp_path / "ref=with=equals.png"
    img.write_bytes(png_bytes())
    assert RefInput.parse(str(img)).path == img  # a path containing '=' is still that path
    ref = RefInput.parse(f"{img}=../../label")
    session = engine.new_session("demo", refs=[ref])
    stored = session.header.references[0]
    assert stored.label == "../../label"
    blob = engine.session_dir("demo").blobs.path(stored)
    assert blob.resolve().is_relative_to((home.root / "demo").resolve())
    with pytest.raises(InvalidInput, match="NUL"):
        engine.add_references("demo", [RefInput(Path("a\x00b.png"))])


def test_reference_through_a_link_is_read_as_the_users_file(engine: Engine, tmp_path: Path) -> None:
    """A link the user gives as a reference is their file: read once, stored as bytes, never linked."""
    real = tmp_path / "real.png"
    real.write_bytes(png_bytes())
    link = tmp_path / "link.png"
    link.symlink_to(real)
    session = engine.new_session("demo", refs=[RefInput(link)])
    blob = engine.session_dir("demo").blobs.path(session.header.references[0])
    assert not blob.is_symlink() and blob.read_bytes() == real.read_bytes()


def test_a_linked_session_folder_is_not_opened(engine: Engine, home: Home, tmp_path: Path) -> None:
    build_session(engine, "real")
    elsewhere = tmp_path / "elsewhere"
    (home.root / "real").rename(elsewhere)
    (home.root / "real").symlink_to(elsewhere)
    before = _everything(elsewhere)
    for argv in (["show", "real"], ["send", "real", "x"], ["approve", "real"]):
        r = run_cli(*argv)
        assert r.code != 0 and "No session named 'real'" in r.err
    assert _everything(elsewhere) == before
    r = run_cli("check")
    assert r.code == 0 and "symbolic link to a session folder" in r.out


def test_home_that_is_a_file_is_one_sentence(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("hello")
    r = run_cli("--home", str(not_a_folder), "new", "demo")
    assert r.code != 0 and r.err.startswith("session-tui: ") and r.err.count("\n") == 1, r


def test_zip_export_is_written_whole(engine: Engine, tmp_path: Path) -> None:
    build_session(engine)
    target = tmp_path / "x.zip"
    target.write_bytes(b"old contents")
    assert run_cli("export", "demo", "--zip", "--out", str(target)).code == 0
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as zf:
        assert zf.testzip() is None
