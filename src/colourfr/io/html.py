"""Readable HTML for the Snakemake report, from the Markdown the workflow writes.

The report shows HTML inline but offers CSV and Markdown only as downloads. Every table
and page meant for readers is written as Markdown (the layout with labels, per cent and
intervals); this renders the subset of Markdown the workflow produces (headings,
paragraphs, lists, pipe tables, fenced blocks, inline code and bold) as a small
self-contained page. Not a general Markdown renderer.
"""

from __future__ import annotations

import html
import re

_STYLE = """
body { font-family: sans-serif; font-size: 14px; margin: 1em; color: #222; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
"""


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", escaped)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table(lines: list[str]) -> str:
    header = _cells(lines[0])
    rule = _cells(lines[1]) if len(lines) > 1 else []
    right = [cell.endswith(":") and not cell.startswith(":") for cell in rule]
    body = lines[2:] if rule and set("".join(rule)) <= set("-: ") else lines[1:]
    out = ["<table>", "<thead><tr>"]
    out += [f"<th>{_inline(cell)}</th>" for cell in header]
    out += ["</tr></thead>", "<tbody>"]
    for line in body:
        cells = _cells(line)
        out.append(
            "<tr>"
            + "".join(
                f'<td class="num">{_inline(c)}</td>'
                if i < len(right) and right[i]
                else f"<td>{_inline(c)}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def markdown_to_html(text: str, title: str = "") -> str:
    """A self-contained HTML page of the workflow's Markdown ``text``."""
    blocks: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            blocks.append(f"<pre>{html.escape(chr(10).join(lines[i + 1 : j]))}</pre>")
            i = j + 1
            continue
        heading = re.match(r"^(#{1,6}) (.*)$", line)
        if heading:
            level = len(heading.group(1))
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].strip() and not lines[j].startswith(("#", "```")):
            j += 1
        group = lines[i:j]
        if all(g.lstrip().startswith("|") for g in group):
            blocks.append(_table(group))
        elif all(g.startswith(("- ", "  ")) for g in group):
            items: list[str] = []
            for g in group:
                if g.startswith("- "):
                    items.append(g[2:])
                else:
                    items[-1] += " " + g.strip()
            blocks.append("<ul>" + "".join(f"<li>{_inline(t)}</li>" for t in items) + "</ul>")
        else:
            blocks.append(f"<p>{_inline(' '.join(g.strip() for g in group))}</p>")
        i = j
    head = f"<title>{html.escape(title)}</title>" if title else ""
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">{head}<style>{_STYLE}</style>'
        "</head><body>\n" + "\n".join(blocks) + "\n</body></html>\n"
    )
