"""The floor `session-tui send` is compared with: the same openai SDK call in a bare script.

    python benchmarks/bare_send.py BASE_URL MODEL OUT.png PROMPT [IMAGE.png ...]

It sends the prompt (and any images, as data URLs) to chat.completions, takes the first image of
the answer and writes it to OUT.png: what anyone would write by hand, with no session around it.
"""

from __future__ import annotations

import base64
import os
import sys

import openai


def main(argv: list[str]) -> int:
    base_url, model, out, prompt, *images = argv
    parts: list[dict[str, object]] = []
    for path in images:
        with open(path, "rb") as fh:
            url = "data:image/png;base64," + base64.b64encode(fh.read()).decode("ascii")
        parts.append({"type": "image_url", "image_url": {"url": url}})
    parts.append({"type": "text", "text": prompt})
    client = openai.OpenAI(base_url=base_url, api_key=os.environ["SESSION_TUI_BENCH_KEY"], max_retries=0)
    reply = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": parts}],  # type: ignore[list-item]
        extra_body={
            "modalities": ["image", "text"],
            "image_config": {"aspect_ratio": "1:1", "image_size": "1K"},
        },
    )
    message = reply.choices[0].message
    url = (message.model_extra or {})["images"][0]["image_url"]["url"]
    with open(out, "wb") as fh:
        fh.write(base64.b64decode(url.split(",", 1)[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
