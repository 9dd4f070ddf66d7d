"""What the performance benchmarks share: test images, a local image service, timing, session builders.

Nothing here is part of the package or of the test suite. Figures are medians of repeated runs and
are compared as ratios within one run, because the machines they run on are shared and noisy.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "benchmarks" / ".cache"  # generated test images, reused between runs (git-ignored)
KEY_ENV = "SESSION_TUI_BENCH_KEY"
KEY = "sk-bench-0123456789"
MODEL = "google/gemini-3-pro-image"  # a family the catalogue knows: 14 references, 1K/2K/4K


# -- images ----------------------------------------------------------------------------------------
def noisy_image(width: int, height: int, seed: int) -> Any:
    """A picture that compresses like a real rendering: smooth gradients, soft noise, flat shapes.

    Pure per-pixel noise would not compress at all and flat colour compresses too well; this lands
    at about 1.3 MB for a 1K PNG and 16 MB for a 4096² PNG, in line with what image models return.
    """
    from PIL import Image, ImageChops, ImageDraw

    linear = Image.linear_gradient("L").resize((width, height))
    radial = Image.radial_gradient("L").resize((width, height))
    channels = []
    for i in range(3):
        soft = Image.effect_noise((max(1, width // 8), max(1, height // 8)), 24).resize(
            (width, height), Image.Resampling.BICUBIC
        )
        base = Image.blend(linear.rotate(90 * ((i + seed) % 4)), radial, 0.5)
        channels.append(ImageChops.add(base, soft, offset=-128))
    img = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(img)
    for k in range(12):
        x, y = (k * 977 + seed * 131) % width, (k * 613 + seed * 71) % height
        draw.ellipse(
            (x, y, x + width // 6, y + height // 6),
            fill=((k * 40 + seed * 17) % 255, (k * 90 + seed * 30) % 255, 120),
        )
    return img


def png_bytes(img: Any, **extra: Any) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", **extra)
    return out.getvalue()


def sample_png(width: int, height: int, seed: int) -> bytes:
    """A cached noisy PNG: 4K images take seconds to encode, so each is made once per checkout."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"noisy-{width}x{height}-{seed}.png"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(png_bytes(noisy_image(width, height, seed)))
        os.replace(tmp, path)
    return path.read_bytes()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# -- a local image service ---------------------------------------------------------------------------
@dataclass
class Captured:
    path: str
    body_bytes: int
    body: bytes | None = None


@dataclass
class LocalService:
    """An OpenAI-compatible chat service on 127.0.0.1 that answers at once with one fixed image.

    The answer uses OpenRouter's shape (``message.images[].image_url.url`` as a data URL), which the
    openai-chat provider reads. Every request body is measured; ``keep_bodies`` keeps them too.
    """

    image: bytes
    keep_bodies: bool = False
    seen: list[Captured] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> LocalService:
        answer = json.dumps(
            {
                "id": "gen-bench",
                "object": "chat.completion",
                "created": 0,
                "model": MODEL,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {
                            "role": "assistant",
                            "content": "Here it is.",
                            "images": [{"type": "image_url", "image_url": {"url": data_url(self.image)}}],
                        },
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 1290, "total_tokens": 1300},
            }
        ).encode()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                service.seen.append(Captured(self.path, len(body), body if service.keep_bodies else None))
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def write_config(home: Path, base_url: str, budget_mb: float = 20.0) -> None:
    """A home whose default profile is openai-chat against the local service."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        'default_provider = "local"\n\n[providers.local]\nkind = "openai-chat"\n'
        f'model = "{MODEL}"\nbase_url = "{base_url}"\napi_key_env = "{KEY_ENV}"\n'
        f"request_budget_mb = {budget_mb}\nmax_retries = 0\n",
        encoding="utf-8",
    )


def bench_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSION_TUI_", "OPENAI_", "PYTHON"))}
    env.update(
        {
            "SESSION_TUI_HOME": str(home),
            KEY_ENV: KEY,
            "PYTHONDONTWRITEBYTECODE": "1",
            "NO_COLOR": "1",
            "COLUMNS": "120",
        }
    )
    return env


# -- timing --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_kb: int
    returncode: int
    stdout: str
    stderr: str


def run_process(argv: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> Run:
    """Run a command; its wall time and its own peak RSS (see launch.py for why a launcher)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(suffix=".json") as report,
    ):
        subprocess.run(
            [sys.executable, "-S", str(REPO / "benchmarks" / "launch.py"), report.name, *argv],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=err,
            check=True,
        )
        facts = json.loads(Path(report.name).read_text())
        out.seek(0)
        err.seek(0)
        return Run(
            facts["seconds"],
            facts["max_rss_kb"],
            facts["returncode"],
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "session_tui", *args]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def interleaved(cases: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Run each case ``repeats`` times, round-robin, so load changes on the machine hit all alike."""
    out: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            out[name].append(fn())
    return out


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def peak_rss_self_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- sessions of any length -------------------------------------------------------------------------
def grow_session(home: Path, name: str, template: dict[str, Any], turns: int, images: list[Any]) -> None:
    """Give session ``name`` ``turns`` finished turns cloned from ``template`` (a real turn's record).

    Records are written the way ``SessionDir.append_turn`` writes them (the same encoder, the same
    two records a real turn leaves: pending, then finished with its score), in one write instead
    of thousands of fsyncs. ``images`` are ImageRef dicts already in the session's blob store.
    """
    from session_tui.domain.model import Turn
    from session_tui.store.journal import encode
    from session_tui.store.sessions import turn_record

    path = home / name / "journal.jsonl"
    existing = path.read_bytes() if path.exists() else b""
    with open(path, "wb") as fh:
        fh.write(existing)
        for i in range(1, turns + 1):
            image = images[i % len(images)]
            done = Turn.model_validate(
                {
                    **template,
                    "index": i,
                    "prompt": f"{template['prompt']} (variation {i})",
                    "prompt_sent": f"{template['prompt_sent']} (variation {i})",
                    "images": [image],
                }
            )
            pending = done.model_copy(update={"status": "pending"})
            fh.writelines(encode("turn", turn_record(t)) for t in (pending, done))
        os.fsync(fh.fileno())


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def fmt_mb(n_bytes: float) -> str:
    return f"{n_bytes / 1_000_000:.1f} MB"


@dataclass(frozen=True)
class Check:
    """One target of issue 7: what, the figure measured, whether it is met."""

    target: str
    figure: str
    met: bool


def verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
