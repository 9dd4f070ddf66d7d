"""A static HTML gallery of an export: one self-contained page, no network resources.

Pictures are linked by relative file name (they sit beside the page), styles are inline, and
there is no script; every text from the session is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from session_tui.domain.wording import plural
from session_tui.scoring.score import brief_score

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC",sans-serif;
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222;background:#fafaf8}
h1{font-size:1.5rem;margin:0 0 .25rem}.meta{color:#666;margin:0 0 1.5rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:1.25rem}
figure{margin:0;background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6rem}
figure img{width:100%;height:auto;display:block;border-radius:3px}
figcaption{margin-top:.5rem}.label{font-weight:600}.score{color:#245}
details{margin-top:.35rem;color:#444;font-size:.9em}pre{white-space:pre-wrap;margin:.3rem 0}
.sheet img{max-width:100%;height:auto;border:1px solid #ddd}
"""


def _score_line(score: Any) -> str:
    if not isinstance(score, dict) or score.get("total") is None:
        return "not scored"
    parts = ", ".join(
        f"{k} {float(v):.2f}" for k, v in (score.get("parts") or {}).items() if isinstance(v, (int, float))
    )
    brief = brief_score(score)  # the figure with its verdict, flags and the judge's figure
    figure, _, rest = brief.partition("; ")
    return escape(f"score {figure}" + (f" ({parts})" if parts else "") + (f"; {rest}" if rest else ""))


def gallery_html(manifest: dict[str, Any], contact_sheet: str | None = None) -> str:
    """The page for ``manifest`` (the export's manifest.json document)."""
    h = escape
    spec = manifest.get("character") or {}
    title = f"{manifest.get('session', '')}" + (f" · {spec['name']}" if spec.get("name") else "")
    lineage = manifest.get("lineage")
    lines = [
        "<!doctype html>",
        '<html lang="und"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{h(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{h(title)}</h1>",
        f'<p class="meta">{h(str(manifest.get("model", "")))} via {h(str(manifest.get("provider", "")))}'
        + (
            f" · from {h(str(lineage.get('session')))} ({h(str(lineage.get('kind')))})"
            if isinstance(lineage, dict)
            else ""
        )
        + f" · {plural(len(manifest.get('checkpoints', [])), 'checkpoint')} · exported by session-tui "
        f"{h(str(manifest.get('session_tui', '')))}</p>",
        '<div class="grid">',
    ]
    for cp in manifest.get("checkpoints", []):
        label = cp.get("label") or f"turn {cp.get('turn')}"
        params = cp.get("params") or {}
        lines += [
            "<figure>",
            (
                f'<a href="{h(cp["file"])}"><img src="{h(cp["file"])}" alt="{h(label)}" loading="lazy" '
                f'width="{int(cp.get("width") or 0) or ""}" height="{int(cp.get("height") or 0) or ""}"></a>'
            ),
            "<figcaption>",
            (
                f'<div><span class="label">{h(cp.get("checkpoint", ""))} {h(label)}</span>'
                f" · turn {h(str(cp.get('turn')))}</div>"
            ),
            f'<div class="score">{_score_line(cp.get("score"))}</div>',
            f"<div>{h(str(cp.get('note') or ''))}</div>",
            "<details><summary>prompt</summary>",
            f"<pre>{h(str(cp.get('prompt', '')))}</pre>",
            f"<p>sent:</p><pre>{h(str(cp.get('prompt_sent', '')))}</pre>",
            (
                f"<p>{h(str(params.get('aspect_ratio', '')))} {h(str(params.get('image_size', '')))}"
                f" seed {h(str(params.get('seed')))}{' (honoured)' if cp.get('seed_honoured') else ''}"
                f" · {h(str(cp.get('model', '')))}</p>"
            ),
            "</details></figcaption></figure>",
        ]
    lines.append("</div>")
    if contact_sheet:
        lines.append(
            f'<h2>Contact sheet</h2><p class="sheet"><img src="{h(contact_sheet)}" alt="contact sheet"></p>'
        )
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"
