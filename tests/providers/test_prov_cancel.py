"""Cancel (the TUI's Esc sets request.cancel): the request in flight stops and the turn is cancelled."""

from __future__ import annotations

import threading

import pytest
from fakeservice import KEY_ENV, FakeService, Reply, make_engine, write_profile

from session_tui.errors import Cancelled
from session_tui.paths import Home


@pytest.mark.parametrize(
    "kind", ["gemini", "gemini-interactions", "openai-chat", "openai-images", "openai-responses"]
)
def test_cancel_stops_the_request_in_flight(
    home: Home, service: FakeService, key_env: str, kind: str
) -> None:
    model = "gpt-image-1" if kind == "openai-images" else "gemini-3-pro-image"
    write_profile(
        home.root,
        "p",
        kind=kind,
        base_url=service.url,
        model=model,
        api_key_env=KEY_ENV,
        max_retries=2,
        timeout_s=600,
    )
    service.queue(Reply(hang=True))
    engine = make_engine(home)
    engine.new_session("s")
    cancel = threading.Event()
    outcome: dict[str, BaseException] = {}

    def send() -> None:
        try:
            engine.send("s", "a fox", cancel=cancel)
        except BaseException as exc:
            outcome["error"] = exc

    sender = threading.Thread(target=send)
    sender.start()
    assert service.received.wait(60), "the request never arrived"
    cancel.set()
    sender.join(60)
    assert not sender.is_alive()
    assert isinstance(outcome.get("error"), Cancelled)
    turn = engine.load("s").turns[0]
    assert turn.status == "cancelled" and turn.prompt == "a fox"
    # The server would hold the request for 30 s: the worker ending now proves the connection was cut
    # (and that the SDK did not retry after the cancel).
    for worker in [t for t in threading.enumerate() if t.name == "session-tui-request"]:
        worker.join(20)
        assert not worker.is_alive()
    assert len(service.posts()) == 1
