"""End to end through the CLI in a subprocess, against the local server: success, failure, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fakeservice import KEY, KEY_ENV, FakeService, Reply, all_text, b64, png, write_profile

from session_tui.paths import Home

IMG = png((10, 200, 10))
OK = {
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {
                "role": "assistant",
                "content": "",
                "images": [{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(IMG)}"}}],
            },
        }
    ]
}


def cli(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, KEY_ENV: KEY}
    return subprocess.run(
        [sys.executable, "-m", "session_tui", "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def show(home: Path, name: str) -> dict[str, Any]:
    out = cli(home, "show", name, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def router_home(home: Home, service: FakeService) -> Path:
    write_profile(
        home.root,
        "router",
        kind="openai-chat",
        base_url=f"{service.url}/api/v1",
        model="google/gemini-3-pro-image",
        api_key_env=KEY_ENV,
        max_retries=0,
    )
    return home.root


def test_new_and_send_through_a_profile(router_home: Path, service: FakeService) -> None:
    service.queue(Reply(body=OK))
    assert cli(router_home, "new", "x", "--provider", "router").returncode == 0
    out = cli(router_home, "send", "x", "a fox on the beach", "--seed", "7", "--json")
    assert out.returncode == 0, out.stderr
    turn = json.loads(out.stdout)
    assert turn["status"] == "ok" and turn["kind"] == "openai-chat"
    assert turn["params"]["seed"] == 7 and turn["seed_honoured"] is False  # recorded, not honoured
    assert "seed" not in service.posts()[0].json
    assert Path(turn["images"][0]["path"]).read_bytes() == IMG


def test_failed_turn_is_stored_and_reported_in_one_sentence(router_home: Path, service: FakeService) -> None:
    service.queue(Reply(401, {"error": {"message": "No auth credentials found", "code": 401}}))
    assert cli(router_home, "new", "x", "--provider", "router").returncode == 0
    out = cli(router_home, "send", "x", "a fox on the beach")
    assert out.returncode == 4
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("session-tui: router (127.0.0.1) refused the API key")
    turn = show(router_home, "x")["turns"][0]
    assert turn["status"] == "failed" and turn["prompt"] == "a fox on the beach"
    assert KEY not in all_text(router_home)


def test_ctrl_c_records_the_turn_as_cancelled(router_home: Path, service: FakeService) -> None:
    service.queue(Reply(hang=True))
    assert cli(router_home, "new", "x", "--provider", "router").returncode == 0
    env = {**os.environ, KEY_ENV: KEY}
    proc = subprocess.Popen(
        [sys.executable, "-m", "session_tui", "--home", str(router_home), "send", "x", "a fox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert service.received.wait(60), "the request never arrived"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    turn = show(router_home, "x")["turns"][0]
    assert turn["status"] == "cancelled" and turn["prompt"] == "a fox"
    # the session still works afterwards
    service.queue(Reply(body=OK))
    assert cli(router_home, "send", "x", "again").returncode == 0


def test_providers_list_and_check(router_home: Path, service: FakeService) -> None:
    out = cli(router_home, "providers", "--json")
    assert out.returncode == 0, out.stderr
    docs = {d["name"]: d for d in json.loads(out.stdout)}
    assert docs["router"]["key"] == f"${KEY_ENV}" and docs["router"]["default"] is True
    assert docs["router"]["capabilities"]["max_references"] == 14
    assert KEY not in out.stdout
    service.routes["/api/v1/models"] = Reply(
        body={"object": "list", "data": [{"id": "google/gemini-3-pro-image"}]}
    )
    out = cli(router_home, "providers", "--check", "router")
    assert out.returncode == 0, out.stderr
    assert "model 'google/gemini-3-pro-image' is listed" in out.stdout
    assert service.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    service.routes["/api/v1/models"] = Reply(401, {"error": {"message": "bad key"}})
    out = cli(router_home, "providers", "--check", "router")
    assert out.returncode == 4 and "refused the API key" in out.stderr


def test_unknown_profile_key_is_refused_with_the_nearest_name(home: Home) -> None:
    (home.root / "config.toml").write_text('[providers.p]\nkind = "gemini"\nmodel = "m"\napi_key_evn = "X"\n')
    out = cli(home.root, "providers")
    assert out.returncode == 2
    assert "unknown key 'providers.p.api_key_evn' (did you mean 'api_key_env'?)" in out.stderr


def test_keys_set_writes_a_private_file_and_is_used(home: Home, service: FakeService) -> None:
    write_profile(
        home.root,
        "router",
        kind="openai-chat",
        base_url=f"{service.url}/api/v1",
        model="google/gemini-3-pro-image",
        max_retries=0,
    )
    out = cli(home.root, "keys", "set", "router", stdin="sk-from-keys-file-123456\n")
    assert out.returncode == 0, out.stderr
    assert "sk-from" not in out.stdout
    assert (home.keys_file.stat().st_mode & 0o777) == 0o600
    service.queue(Reply(body=OK))
    cli(home.root, "new", "x")
    assert cli(home.root, "send", "x", "a fox").returncode == 0
    assert service.posts()[0].headers["authorization"] == "Bearer sk-from-keys-file-123456"
    assert "sk-from-keys-file" not in all_text(home.root).replace(home.keys_file.read_text(), "")


def test_listing_providers_does_not_load_the_sdk(home: Home) -> None:
    write_profile(home.root, "nbp", kind="gemini", model="gemini-3-pro-image")
    code = (
        "import sys\nfrom session_tui.cli.main import main\n"
        f"main(['--home', {str(home.root)!r}, 'providers', '--json'])\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('openai', 'httpx2'))), "
        "file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0 and json.loads(out.stdout)
    assert out.stderr.strip() == ""
