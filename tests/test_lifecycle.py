"""delete, rename, archive and import of archives, through the CLI (issue 15)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from consistency_support import cli, refused

from session_tui.engine import Engine


@pytest.fixture
def family(engine: Engine) -> Engine:
    """'mum' with one approved turn, and 'kid' reset from it."""
    engine.new_session("mum")
    engine.send("mum", "on the beach", seed=1)
    engine.approve("mum", label="best")
    engine.reset("mum", checkpoint="best", into="kid")
    engine.send("kid", "in the snow", seed=2)
    return engine


def test_delete_asks_and_leaves_a_note_on_the_children(family: Engine) -> None:
    assert "add --yes" in refused(cli("delete", "mum"))  # stdin is no terminal here
    assert "mum" in family.store.names()
    run = cli("delete", "mum", "--yes")
    assert run.code == 0 and "kid keeps its lineage" in run.out
    assert family.store.names() == ["kid"]
    parent = family.load("kid").header.parent
    assert parent is not None and parent.session == "mum" and parent.parent_deleted_at is not None
    assert refused(cli("delete", "mum", "--yes"), 1).startswith("session-tui: No session named 'mum'")


def test_a_deleted_parent_stays_deleted_when_its_name_is_used_again(family: Engine) -> None:
    """The lineage note is read everywhere: a new 'mum' is not the kid's parent."""
    from session_tui.engine.lineage_view import family_tree

    assert cli("delete", "mum", "--yes").code == 0
    family.new_session("mum")
    check = cli("check", "kid")
    assert check.code == 0 and "reset of 'mum', which was deleted on " in check.out
    assert "<- mum (deleted)" in cli("list").out
    assert "from mum (deleted) by reset" in cli("show", "kid").out
    assert [s["parent_deleted"] for s in json.loads(cli("list", "--json").out) if s["name"] == "kid"] == [
        True
    ]
    assert family_tree(family, "mum").children == [] and family_tree(family, "kid").name == "kid"
    assert cli("rename", "mum", "dad").code == 0  # the new mum's rename does not move the kid's note
    assert family.load("kid").header.parent.session == "mum"  # type: ignore[union-attr]
    assert "kid" not in cli("delete", "dad", "--yes").out


def test_delete_json(family: Engine) -> None:
    doc = json.loads(cli("delete", "kid", "--yes", "--json").out)
    assert doc["deleted"] == "kid" and doc["children"] == []


def test_rename_moves_the_folder_and_the_childrens_links(family: Engine) -> None:
    run = cli("rename", "mum", "mother")
    assert run.code == 0 and "kid now name 'mother'" in run.out
    assert sorted(family.store.names()) == ["kid", "mother"]
    assert family.load("mother").header.name == "mother"
    assert len(family.load("mother").checkpoints) == 1
    parent = family.load("kid").header.parent
    assert parent is not None and parent.session == "mother"
    assert "already exists" in refused(cli("rename", "mother", "kid"), 1)
    assert "not allowed" in refused(cli("rename", "mother", "a/b"))
    assert cli("rename", "mother", "Mother").code == 0  # a change of case alone is allowed
    assert cli("check").code == 0


def test_archive_and_import_round_trip_with_parents(family: Engine, tmp_path: Path) -> None:
    out = tmp_path / "kid.zip"
    run = cli("archive", "kid", "--out", str(out), "--with-parents")
    assert run.code == 0 and "with its parents mum" in run.out
    before = {n: family.load(n) for n in ("kid", "mum")}
    assert "already exists" in refused(cli("archive", "kid", "--out", str(out)))
    assert cli("archive", "kid", "--out", str(out), "--with-parents", "--force").code == 0
    assert cli("delete", "kid", "--yes").code == 0 and cli("delete", "mum", "--yes").code == 0
    run = cli("import", str(out))
    assert run.code == 0 and "with its parents mum" in run.out, run.err
    for name, old in before.items():
        new = family.load(name)
        assert [t.images for t in new.turns] == [t.images for t in old.turns]
        assert [c.id for c in new.checkpoints] == [c.id for c in old.checkpoints]
    assert cli("check").code == 0
    # a second import under another name leaves the parent that is there as it is
    doc = json.loads(cli("import", str(out), "--as", "kid-2", "--json").out)
    assert doc["name"] == "kid-2" and doc["parents_present"] == ["mum"]


def test_a_tampered_archive_imports_nothing(family: Engine, tmp_path: Path) -> None:
    out = tmp_path / "mum.zip"
    assert cli("archive", "mum", "--out", str(out)).code == 0
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("journal.jsonl"):
                data = data.replace(b"beach", b"BEACH")
            dst.writestr(info, data)
    names = family.store.names()
    assert "sha256" in refused(cli("import", str(bad), "--as", "other"), 1)
    assert family.store.names() == names


def test_import_of_a_checkpoint_export_says_what_it_is(family: Engine, tmp_path: Path) -> None:
    assert cli("export", "mum", "--zip", "--out", str(tmp_path / "e.zip")).code == 0
    line = refused(cli("import", str(tmp_path / "e.zip")))
    assert "is a checkpoint export" in line and "session-tui archive" in line
