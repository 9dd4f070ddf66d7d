"""Secrets: after a full scripted run with a key in the environment, no file and no output holds it.

Every network provider kind is driven through the CLI, as separate processes, against a real HTTP
server on 127.0.0.1 (which proves the key was really sent), including answers that echo the key back
in an error. The keys file is 0600 and error messages are redacted.
"""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

KEY = "sk-proj-RELIABILITY-6-0123456789abcdefSECRET"
SAVED_KEY = "AIzaSy-saved-in-the-keys-file-987654321"
KEY_ENV = "SESSION_TUI_RELIABILITY_KEY"


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 48), colour).save(out, format="PNG")
    return out.getvalue()


class Service:
    """Answers like each kind of image service.

    ``fail_with_echo`` makes the next answer a 401 quoting the key.
    """

    def __init__(self) -> None:
        self.auth_seen: list[str] = []
        self.fail_with_echo = False
        self.count = 0
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                service.auth_seen.append(
                    self.headers.get("authorization") or self.headers.get("x-goog-api-key") or ""
                )
                status, doc = service.answer(self.command, self.path)
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, method: str, path: str) -> tuple[int, Any]:
        if self.fail_with_echo:
            return 401, {
                "error": {
                    "message": f"Incorrect API key provided: {KEY}. Or was it {SAVED_KEY}?",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            }
        self.count += 1
        data = base64.b64encode(_png((40 * (self.count % 6), 120, 200))).decode()
        if method == "GET":
            return 200, {"data": [], "object": "list"}
        if "generateContent" in path:
            return 200, {
                "candidates": [
                    {
                        "content": {
                            "role": "model",
                            "parts": [
                                {"text": "Here she is."},
                                {"inlineData": {"mimeType": "image/png", "data": data}},
                            ],
                        },
                        "finishReason": "STOP",
                    }
                ],
                "modelVersion": "gemini-3-pro-image-preview",
            }
        if path.endswith("/chat/completions"):
            return 200, {
                "id": "c1",
                "object": "chat.completion",
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {
                            "role": "assistant",
                            "content": "Here she is.",
                            "images": [
                                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}
                            ],
                        },
                    }
                ],
            }
        if path.endswith("/responses"):
            return 200, {
                "id": f"resp_{self.count}",
                "object": "response",
                "status": "completed",
                "model": "m",
                "output": [
                    {
                        "type": "image_generation_call",
                        "id": f"ig_{self.count}",
                        "status": "completed",
                        "result": data,
                    }
                ],
            }
        if "/images/" in path:
            return 200, {"created": 1, "data": [{"b64_json": data}]}
        return 404, {"error": {"message": f"no route {path}"}}

    def __enter__(self) -> Service:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def service() -> Iterator[Service]:
    with Service() as svc:
        yield svc


PROFILES = {
    "images": ("openai-images", "gpt-image-1", "/v1"),
    "chat": ("openai-chat", "google/gemini-3-pro-image-preview", "/v1"),
    "responses": ("openai-responses", "gpt-5", "/v1"),
    "gemini": ("gemini", "gemini-3-pro-image-preview", ""),
}


def _config(home: Path, url: str) -> None:
    lines = []
    for name, (kind, model, suffix) in PROFILES.items():
        lines += [
            f"[providers.{name}]",
            f'kind = "{kind}"',
            f'model = "{model}"',
            f'base_url = "{url}{suffix}"',
            f'api_key_env = "{KEY_ENV}"',
            "max_retries = 0",
            "",
        ]
    lines += [
        "[providers.saved]",
        'kind = "openai-images"',
        'model = "gpt-image-1"',
        f'base_url = "{url}/v1"',
        "max_retries = 0",
        "",
    ]
    (home / "config.toml").write_text("\n".join(lines))


class Runner:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.outputs: list[str] = []

    def __call__(
        self, *argv: str, ok: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SESSION_TUI_HOME": str(self.home), KEY_ENV: KEY}
        proc = subprocess.run(
            [sys.executable, "-m", "session_tui", *argv],
            env=env,
            text=True,
            capture_output=True,
            input=stdin if stdin is not None else "",
            timeout=120,
        )
        self.outputs += [proc.stdout, proc.stderr]
        assert "Traceback" not in proc.stderr, proc.stderr
        if ok:
            assert proc.returncode == 0, (argv, proc.stderr)
        return proc


def _files_containing(root: Path, secrets: tuple[str, ...]) -> list[str]:
    found = []
    for p in root.rglob("*"):
        if p.is_file() and not p.is_symlink():
            data = p.read_bytes()
            if zip_member_text := _unzipped(p, data):
                data += zip_member_text
            if any(s.encode() in data or base64.b64encode(s.encode()) in data for s in secrets):
                found.append(str(p.relative_to(root)))
    return found


def _unzipped(path: Path, data: bytes) -> bytes:
    import zipfile

    if not data.startswith(b"PK"):
        return b""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return b"".join(zf.read(n) for n in zf.namelist())
    except zipfile.BadZipFile:
        return b""


def test_full_scripted_run_leaves_no_key_anywhere(service: Service, tmp_path: Path) -> None:
    home = tmp_path / "secret-home"
    home.mkdir()
    exports = tmp_path / "exports"
    _config(home, service.url)
    run = Runner(home)
    ref = tmp_path / "front.png"
    ref.write_bytes(_png((250, 140, 0)))
    run("keys", "set", "saved", stdin=SAVED_KEY + "\n")
    assert stat.S_IMODE((home / "keys.json").stat().st_mode) == 0o600
    for name in PROFILES:
        session = f"mika-{name}"
        run("new", session, "--provider", name, "--ref", f"{ref}=front")
        run("send", session, "standing, waving")
        run("send", session, "now at the beach", "--json")
        run("approve", session, "--label", "keeper")
        run("reset", session, "--checkpoint", "keeper", "--into", f"{session}-r")
        run("send", f"{session}-r", "same girl, sitting")
        run("fork", session, "--turn", "1", "--into", f"{session}-f")
        run("export", session, "--out", str(exports / name))
        run("export", session, "--zip", "--out", str(exports / f"{name}.zip"))
        run("show", session, "--json")
    run("new", "from-saved", "--provider", "saved")
    run("send", "from-saved", "hello")
    # The service now answers 401 and quotes both keys back: the sentence shown and stored is redacted.
    service.fail_with_echo = True
    for name in ("images", "gemini", "saved"):
        session = "from-saved" if name == "saved" else f"mika-{name}"
        failed = run("send", session, "one more", ok=False)
        assert failed.returncode != 0 and failed.stderr.startswith("session-tui: ")
        assert KEY not in failed.stderr and SAVED_KEY not in failed.stderr
    service.fail_with_echo = False
    run("list", "--json")
    run("providers", "--json")
    run("keys", "list")
    run("check")
    run("paths")
    # The key really went to the service, so its absence on disk means something.
    assert any(KEY in a for a in service.auth_seen) and any(SAVED_KEY in a for a in service.auth_seen)
    leaks = _files_containing(home, (KEY,)) + _files_containing(exports, (KEY, SAVED_KEY))
    leaks += [f for f in _files_containing(home, (SAVED_KEY,)) if f != "keys.json"]
    assert leaks == [], leaks
    assert not any(KEY in out or SAVED_KEY in out for out in run.outputs)
    for path in home.rglob("*"):  # every file that can hold a key is private
        if path.is_file() and SAVED_KEY.encode() in path.read_bytes():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_offline_run_with_keys_in_the_environment_writes_none(tmp_path: Path) -> None:
    """Before any network profile is used: keys in the usual variables never reach a file."""
    home = tmp_path / "secret-home"
    home.mkdir()
    env = {
        **os.environ,
        "SESSION_TUI_HOME": str(home),
        "OPENAI_API_KEY": KEY,
        "GEMINI_API_KEY": KEY,
        "OPENROUTER_API_KEY": KEY,
    }
    for argv in (
        ["new", "demo"],
        ["send", "demo", "hi"],
        ["approve", "demo"],
        ["reset", "demo", "--checkpoint", "cp1"],
        ["export", "demo", "--zip", "--out", str(tmp_path / "x.zip")],
        ["check"],
        ["show", "demo"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "session_tui", *argv], env=env, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        assert KEY not in proc.stdout + proc.stderr
    assert _files_containing(tmp_path, (KEY,)) == []


def test_the_leak_detector_finds_plain_base64_and_zipped_keys(tmp_path: Path) -> None:
    import zipfile

    (tmp_path / "plain.txt").write_text(f"key={KEY}")
    (tmp_path / "b64.txt").write_bytes(base64.b64encode(KEY.encode()))
    with zipfile.ZipFile(tmp_path / "z.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner.json", json.dumps({"k": KEY}))
    (tmp_path / "clean.txt").write_text("nothing here")
    assert sorted(_files_containing(tmp_path, (KEY,))) == ["b64.txt", "plain.txt", "z.zip"]
