"""Issue 16, item 12: no escape sequence from a file, a user or a service reaches the terminal raw."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin
from rel_support import build_session, run_cli

from session_tui.domain.printable import printable
from session_tui.engine import Engine
from session_tui.paths import Home

TITLE = "\x1b]0;pwned\x07"  # sets the terminal's (and tmux pane's) title
CLIP = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # OSC 52: writes the clipboard


def _raw_escape(text: str) -> bool:
    return "\x1b" in text or "\x07" in text or "\x9b" in text


def test_printable_escapes_controls_and_keeps_text() -> None:
    assert printable(TITLE) == "\\x1b]0;pwned\\x07"
    assert printable("a\u202eb") == "a\\u202eb"
    assert printable("café 小橙 ok") == "café 小橙 ok"
    assert printable("two\nlines\tand tab", newlines=True) == "two\nlines\tand tab"
    assert printable("two\nlines") == "two\\x0alines"


def _png_with_prompt(path: Path, prompt: str) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", f"{prompt}\nSteps: 20, Sampler: Euler, Seed: 7, Model: m")
    Image.new("RGB", (40, 40), (200, 80, 20)).save(path, format="PNG", pnginfo=info)
    return path


def test_stored_prompts_labels_and_names_are_printed_escaped(
    engine: Engine, home: Home, tmp_path: Path
) -> None:
    build_session(engine)
    ref = _png_with_prompt(tmp_path / "third-party.png", f"a girl {TITLE} in red")
    outputs = [run_cli("refs", "add", "demo", str(ref), "--label", f"front{CLIP}")]
    outputs.append(run_cli("refs", "list", "demo"))
    outputs.append(run_cli("approve", "demo", "--turn", "2", "--label", f"keep{TITLE}"))
    header = home.root / "demo" / "session.json"
    doc = json.loads(header.read_text())
    doc["provider"] = f"offline{TITLE}"
    doc["character"]["name"] = f"Mika{CLIP}"
    header.write_text(json.dumps(doc))
    outputs += [run_cli("show", "demo"), run_cli("list")]
    for r in outputs:
        assert not _raw_escape(r.out + r.err), (r.out, r.err)
    shown = "".join(r.out for r in outputs)
    assert "\\x1b]0;pwned\\x07" in shown and "\\x1b]52;c;" in shown
    # --json stays exact: the same strings, escaped by JSON itself.
    exact = json.loads(run_cli("refs", "list", "demo", "--json").out)
    assert any(r["label"] == f"front{CLIP}" for r in exact["references"])


class _Hostile:
    def __init__(self) -> None:
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                body = json.dumps({"error": {"message": f"quota {CLIP} exceeded {TITLE}"}}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def hostile() -> Iterator[_Hostile]:
    s = _Hostile()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def test_a_services_error_body_reaches_stderr_escaped(
    home: Home, hostile: _Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("R2_KEY", "sk-r2-0123456789abcdef")
    home.config_file.write_text(
        f'default_provider = "p"\n[providers.p]\nkind = "openai-chat"\nmodel = "m"\n'
        f'base_url = "{hostile.url}/v1"\napi_key_env = "R2_KEY"\nmax_retries = 0\ntimeout_s = 5\n'
    )
    assert run_cli("new", "s").code == 0
    r = run_cli("send", "s", "draw her")
    assert r.code != 0
    assert not _raw_escape(r.out + r.err), r.err
    shown = run_cli("show", "s")
    assert not _raw_escape(shown.out + shown.err)


def test_series_progress_is_escaped(engine: Engine, home: Home, tmp_path: Path) -> None:
    engine.new_session("s")
    scenes = tmp_path / "scenes.txt"
    scenes.write_text(f"on the beach {TITLE}\nin the park\n")
    r = run_cli("series", "s", "--scenes", str(scenes))
    assert r.code == 0, r.err
    assert not _raw_escape(r.out + r.err)
    assert io.StringIO(r.out).read().count("\\x1b") >= 1
