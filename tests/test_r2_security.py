"""Issue 16, security: credentials never follow a redirect to another host, hostile base URLs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from rel_support import one_sentence, run_cli

from session_tui.config import load_config
from session_tui.engine import Engine
from session_tui.errors import SessionTuiError
from session_tui.paths import Home

KEY = "AIzaSyD-0123456789abcdefghijklmnopqrstu"


class Recorder:
    """A loopback server that answers every request with ``answer`` and records its headers."""

    def __init__(self, host: str, answer: Any) -> None:
        self.seen: list[dict[str, str]] = []
        rec = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                rec.seen.append({k.lower(): v for k, v in self.headers.items()})
                answer(self)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://{host}:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _reply(
    h: BaseHTTPRequestHandler, status: int, body: bytes = b"{}", headers: dict[str, str] | None = None
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


@pytest.fixture
def servers() -> Iterator[tuple[Recorder, Recorder]]:
    other = Recorder("127.0.0.1", lambda h: _reply(h, 401, b'{"error": {"message": "who are you"}}'))
    profile = Recorder("127.0.0.1", lambda h: _reply(h, 307, b"", {"Location": other.url + h.path}))
    yield profile, other
    profile.close()
    other.close()


@pytest.mark.parametrize("kind", ["gemini", "openai-chat", "openai-images"])
def test_no_credential_follows_a_redirect_to_another_host(
    home: Home, servers: tuple[Recorder, Recorder], monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    profile, other = servers
    monkeypatch.setenv("R2_KEY", KEY)
    home.config_file.write_text(
        f'default_provider = "p"\n[providers.p]\nkind = "{kind}"\nmodel = "m"\n'
        f'base_url = "{profile.url}/v1"\napi_key_env = "R2_KEY"\nmax_retries = 0\ntimeout_s = 5\n'
    )
    engine = Engine(home, load_config(home))
    engine.new_session("s")
    with pytest.raises(SessionTuiError):
        engine.send("s", "draw her")
    assert profile.seen, "the profile's host was asked"
    assert any(KEY in " ".join(h.values()) for h in profile.seen), "the key went to the profile's host"
    assert other.seen, "the redirect was followed"
    for headers in other.seen:
        assert KEY not in " ".join(headers.values()), headers
        assert "x-goog-api-key" not in headers and "authorization" not in headers


# 15. Base URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/v1",
        "javascript:alert(1)",
        "unix:///run/x.sock",
        "example.com/v1",
    ],
)
def test_base_urls_that_are_not_http_are_refused_by_config_validation(home: Home, url: str) -> None:
    home.config_file.write_text(f'[providers.p]\nkind = "openai-chat"\nmodel = "m"\nbase_url = "{url}"\n')
    r = run_cli("providers")
    assert r.code == 2 and one_sentence(r.err) and "base_url" in r.err, r.err
    assert "http:// or https://" in r.err


def test_credentials_in_a_base_url_are_never_shown_or_stored(
    home: Home, servers: tuple[Recorder, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    profile, _ = servers
    monkeypatch.setenv("R2_KEY", KEY)
    secret_url = profile.url.replace("http://", "http://alice:hunter2pw@")
    home.config_file.write_text(
        f'default_provider = "p"\n[providers.p]\nkind = "openai-chat"\nmodel = "m"\n'
        f'base_url = "{secret_url}/v1"\napi_key_env = "R2_KEY"\nmax_retries = 0\ntimeout_s = 5\n'
    )
    assert run_cli("new", "s").code == 0
    outputs = [
        run_cli("send", "s", "draw her"),
        run_cli("providers"),
        run_cli("show", "s"),
        run_cli("show", "s", "--json"),
    ]
    for r in outputs:
        assert "hunter2pw" not in r.out + r.err, (r.out, r.err)
    for p in (home.root / "s").rglob("*"):
        if p.is_file():
            assert b"hunter2pw" not in p.read_bytes(), p


def test_plain_http_to_a_remote_host_warns(home: Home) -> None:
    home.config_file.write_text(
        '[providers.p]\nkind = "openai-chat"\nmodel = "m"\nbase_url = "http://gateway.example.com/v1"\n'
    )
    r = run_cli("providers")
    assert r.code == 0
    assert "not encrypted" in r.err
    home.config_file.write_text(
        '[providers.p]\nkind = "openai-chat"\nmodel = "m"\nbase_url = "http://127.0.0.1:9/v1"\n'
    )
    assert "not encrypted" not in run_cli("providers").err
