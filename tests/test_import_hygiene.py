"""The headless core must run without Textual: only session_tui/tui/ may import it."""

from __future__ import annotations

import subprocess
import sys

import session_tui


def test_no_module_outside_tui_loads_textual() -> None:
    """Every module of the package but ``tui/`` (found by walking it) imports without Textual."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import session_tui\n"
        "names = [m.name for m in pkgutil.walk_packages(session_tui.__path__, 'session_tui.')\n"
        "         if not m.name.startswith('session_tui.tui') and not m.name.endswith('__main__')]\n"
        "for name in names: importlib.import_module(name)\n"
        "from session_tui.cli.main import build_parser; build_parser()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_image'))\n"
        "print(len(names), ','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, _, bad = out.stdout.strip().partition(" ")
    assert int(count) > 60  # the walk found the package, not an empty list
    assert bad == ""


def test_registry_and_vocabulary_name_the_same_kinds() -> None:
    from session_tui.domain.vocabulary import PROVIDER_KINDS
    from session_tui.providers.registry import _KINDS

    assert set(_KINDS) == set(PROVIDER_KINDS)


def test_version_does_not_import_textual_or_openai() -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['session-tui', '--version']\n"
        "try:\n    runpy.run_module('session_tui', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'openai'))),"
        " file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == f"session-tui {session_tui.__version__}"
    assert out.stderr.strip() == ""
