"""A real HTTP server on 127.0.0.1 that replays scripted answers and records every request.

Network providers are tested against it through the openai SDK exactly as they run for users;
nothing here touches the internet.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import io
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image

from session_tui.config import load_config
from session_tui.engine import Engine
from session_tui.paths import Home

KEY = "sk-test-SECRET-0123456789abcdef"
KEY_ENV = "SESSION_TUI_TEST_KEY"


def png(colour: tuple[int, int, int] = (200, 80, 40), size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass
class Reply:
    """One scripted answer. ``hang`` waits (until the test ends) instead of answering; ``drop``
    closes the connection without a word."""

    status: int = 200
    body: Any = None  # dict/list → JSON; str/bytes → as is
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    drop: bool = False

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body if self.body is not None else {}).encode()


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = 0.0  # time.monotonic() when it arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[tuple[str | None, str, bytes]]]:
        """A multipart body as {field: [(filename, content type, bytes)]}."""
        raw = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode() + self.body
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        out: dict[str, list[tuple[str | None, str, bytes]]] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            out.setdefault(str(name), []).append(
                (part.get_filename(), part.get_content_type(), part.get_payload(decode=True) or b"")
            )
        return out


class FakeService:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.routes: dict[str, Reply] = {}  # GET path -> reply (for linked images, model lookups)
        self.requests: list[Seen] = []
        self.release = threading.Event()
        self.received = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def posts(self) -> list[Seen]:
        return [r for r in self.requests if r.method == "POST"]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                service.requests.append(
                    Seen(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        time.monotonic(),
                    )
                )
                service.received.set()
                reply = service.routes.get(self.path) if self.command == "GET" else None
                if reply is None:
                    reply = (
                        service.replies.popleft()
                        if service.replies
                        else Reply(500, {"error": {"message": "no scripted reply left"}})
                    )
                if reply.hang:
                    service.release.wait(30)
                    return
                if reply.drop:
                    self.close_connection = True
                    return
                data = reply.payload()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def write_profile(home: Path, name: str, **fields: Any) -> None:
    """Add a provider profile to the home's config.toml (and make it the default)."""
    write_profiles(home, name, {name: fields})


def write_profiles(home: Path, default: str, profiles: dict[str, dict[str, Any]]) -> None:
    """config.toml with several provider profiles, ``default`` the default one."""
    lines = [f'default_provider = "{default}"']
    for name, fields in profiles.items():
        lines += ["", f"[providers.{name}]"]
        for key, value in fields.items():
            if isinstance(value, str):
                lines.append(f"{key} = {json.dumps(value)}")
            elif isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, (dict, list)):
                inline = json.dumps(value).replace('": ', '" = ')  # JSON's "key": as TOML's "key" =
                lines.append(f"{key} = {inline}")
            else:
                lines.append(f"{key} = {value}")
    (home / "config.toml").write_text("\n".join(lines) + "\n")


def make_engine(home: Home) -> Engine:
    return Engine(home, load_config(home))


def all_text(home: Path) -> str:
    """Every byte under the home as text, to prove a key never landed on disk."""
    return "\n".join(p.read_bytes().decode("latin-1") for p in home.rglob("*") if p.is_file())
