"""Hostile answers from a service (a real HTTP server on 127.0.0.1): the turn fails in one sentence,
keeps the prompt, and nothing unbounded is read or stored."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from session_tui.config import load_config
from session_tui.engine import Engine
from session_tui.errors import SessionTuiError
from session_tui.paths import Home
from session_tui.store.check import check_session

KEY = "sk-hostile-0123456789"
PNG = io.BytesIO()
Image.new("RGB", (24, 24), (10, 20, 200)).save(PNG, format="PNG")
PNG_B64 = base64.b64encode(PNG.getvalue()).decode()

Handler = Callable[[BaseHTTPRequestHandler], None]


class Server:
    def __init__(self) -> None:
        self.chat: Handler = lambda h: None
        self.routes: dict[str, Handler] = {}
        self.headers_seen: dict[str, dict[str, str]] = {}
        self.stop = threading.Event()
        server = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                server.headers_seen[self.path] = {k.lower(): v for k, v in self.headers.items()}
                handler = server.routes.get(self.path, server.chat)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    handler(self)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


def send(
    h: BaseHTTPRequestHandler,
    body: bytes,
    status: int = 200,
    ctype: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def chat_reply(content: Any) -> bytes:
    return json.dumps(
        {
            "id": "c",
            "object": "chat.completion",
            "model": "m",
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
            ],
        }
    ).encode()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.stop.set()
    s.httpd.shutdown()
    s.httpd.server_close()


@pytest.fixture
def engine(home: Home, server: Server, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("HOSTILE_KEY", KEY)
    home.config_file.write_text(
        'default_provider = "gw"\n[providers.gw]\nkind = "openai-chat"\nmodel = "some/model"\n'
        f'base_url = "{server.url}/v1"\napi_key_env = "HOSTILE_KEY"\nmax_retries = 0\ntimeout_s = 2\n'
    )
    e = Engine(home, load_config(home))
    e.new_session("s")
    return e


def _fails(engine: Engine, needle: str) -> str:
    with pytest.raises(SessionTuiError) as err:
        engine.send("s", "draw her")
    message = err.value.message
    assert needle in message and "\n" not in message and KEY not in message, message
    turn = engine.load("s").turns[-1]
    assert turn.status == "failed" and turn.prompt == "draw her"
    assert check_session(engine.store, "s").ok
    return message


def test_huge_text_without_an_image(engine: Engine, server: Server) -> None:
    text = "la " * 2_000_000  # 6 MB of words
    server.chat = lambda h: send(h, chat_reply(text))
    message = _fails(engine, "text but no image")
    assert len(message) < 500


def test_non_json_and_html(engine: Engine, server: Server) -> None:
    server.chat = lambda h: send(h, b"<html><body>502 Bad Gateway</body></html>", ctype="text/html")
    _fails(engine, "not JSON")


def test_invalid_base64_image(engine: Engine, server: Server) -> None:
    server.chat = lambda h: send(h, chat_reply("![i](data:image/png;base64,@@@@not-base64@@@@)"))
    with pytest.raises(SessionTuiError):
        engine.send("s", "draw her")
    assert engine.load("s").turns[-1].status == "failed"


def test_data_url_of_a_non_image_type(engine: Engine, server: Server) -> None:
    html = base64.b64encode(b"<script>alert(1)</script>").decode()
    server.chat = lambda h: send(h, chat_reply(f"![i](data:text/html;base64,{html})"))
    _fails(engine, "cannot use")


def test_image_url_that_redirects_is_followed_without_the_key(engine: Engine, server: Server) -> None:
    server.routes["/a.png"] = lambda h: send(h, b"", status=302, headers={"Location": "/b.png"})
    server.routes["/b.png"] = lambda h: send(h, PNG.getvalue(), ctype="image/png")
    server.chat = lambda h: send(h, chat_reply(f"![i]({server.url}/a.png)"))
    turn = engine.send("s", "draw her")
    assert turn.status == "ok"
    for path in ("/a.png", "/b.png"):
        assert "authorization" not in server.headers_seen[path]


def test_redirect_to_a_local_file_is_refused(engine: Engine, server: Server) -> None:
    server.routes["/a.png"] = lambda h: send(h, b"", status=302, headers={"Location": "file:///etc/passwd"})
    server.chat = lambda h: send(h, chat_reply(f"![i]({server.url}/a.png)"))
    with pytest.raises(SessionTuiError) as err:
        engine.send("s", "draw her")
    assert "\n" not in err.value.message and "root:" not in err.value.message


def _endless(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "image/png")
    h.end_headers()  # no length: it just keeps coming
    chunk = b"\x00" * 65536
    for _ in range(4000):  # 256 MB at most, in case the client never stops reading
        h.wfile.write(chunk)


def test_image_url_that_never_ends_is_cut_at_the_size_cap(engine: Engine, server: Server) -> None:
    server.routes["/big.png"] = _endless
    server.chat = lambda h: send(h, chat_reply(f"![i]({server.url}/big.png)"))
    _fails(engine, "download limit")


def test_image_url_that_stalls_times_out(engine: Engine, server: Server) -> None:
    def stall(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        server.stop.wait(30)

    server.routes["/slow.png"] = stall
    server.chat = lambda h: send(h, chat_reply(f"![i]({server.url}/slow.png)"))
    with pytest.raises(SessionTuiError) as err:
        engine.send("s", "draw her")
    assert "\n" not in err.value.message
    assert engine.load("s").turns[-1].status == "failed"


def test_image_url_that_trickles_is_stopped_by_a_total_deadline(engine: Engine, server: Server) -> None:
    def trickle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.end_headers()
        while not server.stop.is_set():  # one byte a little faster than any read timeout
            h.wfile.write(b"\x00")
            h.wfile.flush()
            time.sleep(0.2)

    server.routes["/drip.png"] = trickle
    server.chat = lambda h: send(h, chat_reply(f"![i]({server.url}/drip.png)"))
    with pytest.raises(SessionTuiError) as err:
        engine.send("s", "draw her")
    assert "\n" not in err.value.message
    assert engine.load("s").turns[-1].status == "failed"


def test_answers_are_not_stored_beyond_reason(engine: Engine, server: Server, home: Home) -> None:
    server.chat = lambda h: send(h, chat_reply("word " * 2_000_000))
    with pytest.raises(SessionTuiError):
        engine.send("s", "draw her")
    size = (home.root / "s" / "journal.jsonl").stat().st_size
    assert size < 12_000_000  # the reply text is kept (it may say why), but once, not many times over
    assert Path(home.root / "s").is_dir()
