"""RFC 1896 text/enriched to safe HTML for display.

Every formatting command maps to a fixed HTML element; parameters are checked
against strict patterns before they reach an attribute, and the result still goes
through `sanitize_html`, so a message cannot smuggle markup or CSS through a
<param>. Unknown commands are ignored and their text shown (section 4).
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

from mailcore.mime.html import sanitize_html
from mailcore.mime.text import _ENRICHED_TOKEN

# Section 3: the eight colour names every reader understands, or "rrrr,gggg,bbbb".
_COLOR_NAMES = frozenset({"red", "blue", "green", "yellow", "cyan", "magenta", "black", "white"})
_COLOR_RGB = re.compile(r"([0-9a-f]{4}),([0-9a-f]{4}),([0-9a-f]{4})", re.I)
_FONT_FAMILY = re.compile(r"[A-Za-z0-9 _-]{1,64}")
_LANG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_INDENTS = {"left": "margin-left:2em", "right": "margin-right:2em", "in": "text-indent:2em"}
_INDENTS["out"] = "text-indent:-2em;margin-left:2em"

# command -> (opening tag without a parameter, closing tag)
_SIMPLE = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "fixed": ("<tt>", "</tt>"),
    "smaller": ("<small>", "</small>"),
    "bigger": ("<big>", "</big>"),
    "center": ('<div style="text-align:center">', "</div>"),
    "flushleft": ('<div style="text-align:left">', "</div>"),
    "flushright": ('<div style="text-align:right">', "</div>"),
    "flushboth": ('<div style="text-align:justify">', "</div>"),
    "nofill": ('<div style="white-space:pre-wrap">', "</div>"),
    "excerpt": ('<blockquote class="quote">', "</blockquote>"),
    "paraindent": ("<div>", "</div>"),
    "fontfamily": ("<span>", "</span>"),
    "color": ("<span>", "</span>"),
    "lang": ("<span>", "</span>"),
}


def _with_param(command: str, param: str) -> str | None:
    """The opening tag for a command given its <param>, or None when the param is unusable."""
    value = " ".join(param.split())
    style = None
    if command == "color":
        rgb = _COLOR_RGB.fullmatch(value)
        if rgb:
            style = "color:#" + "".join(part[:2] for part in rgb.groups()).lower()
        elif value.lower() in _COLOR_NAMES:
            style = "color:" + value.lower()
    elif command == "fontfamily" and _FONT_FAMILY.fullmatch(value):
        style = f"font-family:'{value}'"
    elif command == "paraindent":
        styles = [_INDENTS[w] for w in value.lower().replace(",", " ").split() if w in _INDENTS]
        style = ";".join(styles) or None
    elif command == "lang" and _LANG.fullmatch(value):
        return f'<span lang="{value}">'
    if style is None:
        return None
    tag = _SIMPLE[command][0][1:].split(">", 1)[0]
    return f'<{tag} style="{htmllib.escape(style)}">'


@dataclass
class _Open:
    command: str
    index: int  # position of its opening tag in the output, rewritten when a <param> follows


def enriched_to_html(text: str) -> str:
    """text/enriched (RFC 1896) as HTML, already passed through sanitize_html."""
    out: list[str] = ['<div class="mail-enriched">']
    stack: list[_Open] = []
    awaiting_param: _Open | None = None  # a <param> must follow its command directly
    param: list[str] | None = None
    nofill = 0
    pos = 0

    for match in _ENRICHED_TOKEN.finditer(text):
        chunk = text[pos : match.start()]
        pos = match.end()
        if param is not None:
            param.append(chunk)
        elif chunk:
            out.append(htmllib.escape(chunk, quote=False))
            awaiting_param = None
        token = match.group(0)
        name = (match.group(2) or "").lower()
        closing = bool(match.group(1))
        if token == "<<":
            if param is not None:
                param.append("<")
            else:
                out.append("&lt;")
                awaiting_param = None
        elif not name:
            # Section 2: in filled text one line break is a space and n breaks are n-1
            # new lines; inside <nofill> every line break is kept.
            breaks = token.count("\n")
            if param is not None:
                param.append(" ")
            elif nofill:
                out.append("<br>" * breaks)
            else:
                out.append("<br>" * (breaks - 1) if breaks > 1 else " ")
        elif name == "param":
            if not closing and param is None:
                param = []
            elif closing and param is not None:
                if awaiting_param is not None:
                    opening = _with_param(awaiting_param.command, "".join(param))
                    if opening is not None:
                        out[awaiting_param.index] = opening
                param, awaiting_param = None, None
        elif param is not None:
            continue  # commands inside a parameter are parameter text, and ignored
        elif name in _SIMPLE and not closing:
            entry = _Open(name, len(out))
            out.append(_SIMPLE[name][0])
            stack.append(entry)
            awaiting_param = entry
            nofill += name == "nofill"
        elif name in _SIMPLE and any(e.command == name for e in stack):
            awaiting_param = None
            # Close the innermost command of this name, and whatever was left open inside it.
            while stack:
                entry = stack.pop()
                out.append(_SIMPLE[entry.command][1])
                nofill -= entry.command == "nofill"
                if entry.command == name:
                    break
    if pos < len(text) and param is None:
        out.append(htmllib.escape(text[pos:], quote=False))
    out.extend(_SIMPLE[entry.command][1] for entry in reversed(stack))
    out.append("</div>")
    return sanitize_html("".join(out)).html
