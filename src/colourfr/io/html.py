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

from colourfr.io.escape import MARKDOWN_SPECIALS
from colourfr.io.escape import html as escape_html

_STYLE = """
body { font-family: sans-serif; font-size: 14px; margin: 1em; color: #222; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
"""


# A backslash-escaped special character (colourfr.io.escape.markdown) is held as a
# private-use code point while the inline markup is read, then put back as itself.
_ESCAPED = re.compile(r"\\([" + re.escape(MARKDOWN_SPECIALS) + r"])")
_HELD = 0xE000
# A whole-line comment of the Markdown (a marker such as the summary's headline): hidden.
_COMMENT = re.compile(r"\s*<!--.*-->\s*")


def _inline(text: str) -> str:
    held = _ESCAPED.sub(lambda m: chr(_HELD + MARKDOWN_SPECIALS.index(m.group(1))), text)
    escaped = html.escape(held, quote=False)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    escaped = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", escaped)
    for index, char in enumerate(MARKDOWN_SPECIALS):
        escaped = escaped.replace(chr(_HELD + index), html.escape(char, quote=False))
    return escaped


def _cells(line: str) -> list[str]:
    """The cells of a pipe-table row; an escaped ``\\|`` stays inside its cell."""
    row = line.strip()
    row = row.removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells, current, i = [], "", 0
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row):
            current += row[i : i + 2]
            i += 2
            continue
        if row[i] == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += row[i]
        i += 1
    cells.append(current.strip())
    return cells


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
        if not line.strip() or _COMMENT.fullmatch(line):
            i += 1  # blank, or a comment of the Markdown (a marker), which HTML hides too
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
        while (
            j < len(lines)
            and lines[j].strip()
            and not lines[j].startswith(("#", "```"))
            and not _COMMENT.fullmatch(lines[j])
        ):
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
    head = f"<title>{escape_html(title)}</title>" if title else ""
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">{head}<style>{_STYLE}</style>'
        "</head><body>\n" + "\n".join(blocks) + "\n</body></html>\n"
    )
