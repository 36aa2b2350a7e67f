"""The demo's final report as one self-contained HTML file (no scripts, no external assets)."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1f2933}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}
td,th{padding:.3rem .7rem;border-bottom:1px solid #d9e2ec}
th{text-align:left;background:#f0f4f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#127f3b}.bad{color:#b42318;font-weight:bold}code{background:#f0f4f8;padding:0 .3rem}
"""


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int):
        return f'<td class="num">{value:,}</td>'
    if isinstance(value, float):
        return f'<td class="num">{value:,.4f}</td>'
    text = "" if value is None else str(value)
    if text in ("✓", "✗"):
        return f'<td class="{"ok" if text == "✓" else "bad"}">{text}</td>'
    return f"<td>{escape(text)}</td>"


def html_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p><em>no rows</em></p>"
    head = "".join(f"<th>{escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(_cell(v) for v in row.values()) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_report(
    title: str,
    sections: list[tuple[str, list[dict[str, Any]]]],
    next_steps: list[str],
    links: list[tuple[str, str]] | None = None,
) -> str:
    parts = [f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(title)}</title>",
             f"<style>{STYLE}</style><h1>{escape(title)}</h1>",
             f"<p>written {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC</p>"]  # fmt: skip
    if links:
        anchors = [f'<a href="{escape(url)}">{escape(label)}</a>' for label, url in links]
        parts.append("<p>" + " · ".join(anchors) + "</p>")
    for heading, rows in sections:
        parts.append(f"<h2>{escape(heading)}</h2>{html_table(rows)}")
    parts.append("<h2>where to look next</h2><ul>")
    parts += [f"<li><code>{escape(step)}</code></li>" for step in next_steps]
    parts.append("</ul></html>")
    return "\n".join(parts)
