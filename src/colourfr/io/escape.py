"""The one escape of each output format for text that comes from data (labels, ids,
captions, notes): a label may hold any printable character and still land under its own
header. CSV needs none of its own: the CSV writer quotes fields (colourfr.io.csv).
"""

from __future__ import annotations

import html as _html
from typing import Any

_LATEX_SPECIALS = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
        "<": r"\textless{}",
        ">": r"\textgreater{}",
        "|": r"\textbar{}",
        "\n": " ",
        "\r": " ",
    }
)


#: Characters with a meaning in the Markdown the workflow writes: a cell boundary, inline
#: code, bold, and the escape itself.
MARKDOWN_SPECIALS = "\\|`*"


def markdown(value: Any) -> str:
    """Text for a Markdown table cell or line: each of :data:`MARKDOWN_SPECIALS` escaped
    with a backslash (as CommonMark reads it), line breaks as spaces."""
    text = "".join(f"\\{c}" if c in MARKDOWN_SPECIALS else c for c in str(value))
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def latex(value: Any) -> str:
    """Text for LaTeX (cells, captions, notes): every character with a meaning of its own
    in LaTeX's text mode printed as itself."""
    return str(value).translate(_LATEX_SPECIALS)


def html(value: Any) -> str:
    """Text for HTML content and attribute values."""
    return _html.escape(str(value), quote=True)
