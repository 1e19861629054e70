"""Safe display of hostile mail: HTML sanitising (nh3), CSS filtering, plain text to HTML.

`sanitize_html` keeps what mail needs to look right (tables, fonts, inline styles,
images) and removes everything that runs code or fetches from the network:
scripts, event handlers, javascript:/vbscript:/data: documents, frames, objects,
forms, meta refresh, base, link, SVG and MathML, CSS url() and @import. Remote
images are withheld unless the caller allows them; cid: and Content-Location
references (RFC 2392, RFC 2557) are rewritten to the caller's URLs.

The result is meant for a sandboxed frame under a strict Content-Security-Policy:
this module is one layer of the defence, the frame and the CSP are the others.
"""

from __future__ import annotations

import html as htmllib
import logging
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

import nh3

from mailcore.mime.model import BodyPart, MessageSummary
from mailcore.mime.sections import iter_parts
from mailcore.mime.text import html_to_text


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Input past this is cut (the UI says so through SafeHtml.truncated).
MAX_HTML_CHARS = 4_000_000
# html5ever checks "element in scope" by walking the stack of open elements, so deeply
# nested block elements cost depth x tags. Below this size the worst case is ~0.06 s;
# larger input is measured first and shown as text when it nests deeper than MAX_NESTING.
CHEAP_CHARS = 50_000
MAX_NESTING = 400
MAX_ATTRIBUTES = 200
MAX_STYLE_BLOCKS = 50

TAGS = _words(
    """
    a abbr acronym address article aside b bdi bdo big blockquote br caption center cite
    code col colgroup dd del details dfn div dl dt em figcaption figure font footer h1 h2
    h3 h4 h5 h6 header hr i img ins kbd li main mark nav ol p pre q rp rt ruby s samp
    section small span strike strong sub summary sup table tbody td tfoot th thead time tr
    tt u ul var wbr
    """
)
# Elements removed with everything inside them (the rest lose the tag, keep the text).
CLEAN_CONTENT_TAGS = _words(
    """
    script style title noscript template iframe noembed noframes xmp svg math head
    """
)
_TABLE_PARTS = {"background"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": {"style", "class", "title", "lang", "dir", "align", "valign", "bgcolor"},
    "a": {"href"},
    "img": {"src", "srcset", "alt", "border", "hspace", "vspace", "width", "height"},
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing", "background", "width", "height"},
    "td": {"colspan", "rowspan", "nowrap", "background", "width", "height", "headers"},
    "th": {"colspan", "rowspan", "nowrap", "background", "width", "height", "scope"},
    "tr": _TABLE_PARTS | {"height"},
    "tbody": _TABLE_PARTS,
    "thead": _TABLE_PARTS,
    "tfoot": _TABLE_PARTS,
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"type", "value"},
    "hr": {"noshade", "size", "color", "width"},
    "br": {"clear"},
    "details": {"open"},
    "time": {"datetime"},
    "del": {"datetime"},
    "ins": {"datetime"},
    "blockquote": {"type"},
    "div": {"width", "height"},
    "p": {"width"},
}
# nh3 drops other schemes before our filter sees the URL; the filter then narrows these.
_NH3_SCHEMES = {"http", "https", "mailto", "cid", "data", "file", "ftp"}
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_REMOTE_SCHEMES = frozenset({"http", "https"})
# Raster images only: an SVG document is not something to hand a browser from hostile mail.
_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpe?g|webp|bmp)[;,]", re.I)
# WHATWG URL parsing drops ASCII tab and newline anywhere and C0/space at the ends.
_URL_DROPPED = re.compile(r"[\t\n\r]")
_BASE_HREF = re.compile(
    r"<base\b[^>]{0,1000}?\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))", re.I
)
_STYLE_OPEN = re.compile(r"<style\b[^>]{0,1000}>", re.I)
_STYLE_CLOSE = re.compile(r"</style", re.I)
_SCRIPT_SCHEME = re.compile(r"(java|vb|live)(script):", re.I)
_STRAY_LT = re.compile(r"<(?!/?(?:" + "|".join(sorted(TAGS, key=len, reverse=True)) + r")[\s/>])")
_VOID = _words("area base br col embed hr img input link meta param source track wbr")
_SIBLING_CLOSED = _words("p li dt dd option tr td th")


@dataclass(frozen=True)
class SafeHtml:
    """Sanitised HTML for display, and how many remote references were withheld.

    remote_blocked counts withheld remote references (img src, img srcset, background
    attributes, CSS url()); a withheld image stays as <img data-blocked-src="URL">
    (and data-blocked-srcset="URL 2x, ..." for a withheld srcset).
    truncated is set when the input was longer than MAX_HTML_CHARS and was cut.
    """

    html: str
    remote_blocked: int
    truncated: bool = False


# ---------------------------------------------------------------- URL policy


def _cid_key(value: str) -> str:
    return value.strip().strip("<>").strip()


class _Urls:
    """Decides every URL in the message: rewrite, keep, withhold (remote) or drop."""

    def __init__(
        self,
        allow_remote: bool,
        cid_urls: Mapping[str, str] | None,
        location_urls: Mapping[str, str] | None,
        base: str | None,
    ) -> None:
        self.allow_remote = allow_remote
        self.cids = {_cid_key(k): v for k, v in (cid_urls or {}).items()}
        self.locations = dict(location_urls or {})
        self.base = base
        self.blocked = 0

    def _local(self, url: str) -> str | None:
        if url[:4].lower() == "cid:":
            # RFC 2392: the cid URL is the %-encoded Content-ID; unknown ones become nothing.
            rest = url[4:]
            return self.cids.get(_cid_key(unquote(rest))) or self.cids.get(_cid_key(rest)) or ""
        mapped = self.locations.get(url)
        if mapped is None and self.base:
            mapped = self.locations.get(urljoin(self.base, url))
        return mapped

    def classify(self, raw: str) -> tuple[str, str] | None:
        """("local" | "data" | "remote" | "mailto", url), or None for anything else."""
        url = _URL_DROPPED.sub("", raw).strip(" \x00-\x1f")
        if not url:
            return None
        local = self._local(url)
        if local is not None:
            return ("local", local) if local else None
        if _DATA_IMAGE.match(url):
            return "data", url
        absolute = urljoin(self.base, url) if self.base else url
        if absolute.startswith("//"):
            absolute = "https:" + absolute
        scheme = urlsplit(absolute).scheme.lower()
        if scheme in _REMOTE_SCHEMES and urlsplit(absolute).netloc:
            return "remote", absolute
        if scheme == "mailto":
            return "mailto", absolute
        return None

    def link(self, raw: str) -> str | None:
        found = self.classify(raw)
        if found is None or found[0] == "data":
            return None
        return found[1]

    def _load(self, raw: str) -> tuple[str | None, str | None]:
        found = self.classify(raw)
        if found is None or found[0] == "mailto":
            return None, None
        kind, url = found
        if kind == "remote" and not self.allow_remote:
            return None, url
        return url, None

    def fetch(self, raw: str) -> tuple[str | None, str | None]:
        """(URL to load, or None; the remote URL withheld, or None). Counts withheld ones."""
        url, withheld = self._load(raw)
        self.blocked += withheld is not None
        return url, withheld

    def css(self, raw: str) -> str | None:
        return self.fetch(raw)[0]

    def srcset(self, value: str) -> tuple[str | None, str | None]:
        """(srcset to load, or None; the srcset withheld because it is remote, or None)."""
        candidates: list[str] = []
        withheld: list[str] = []
        for candidate in value.split(","):
            words = candidate.split()
            if not words:
                continue
            url, remote = self._load(words[0])
            if remote is not None:
                withheld.append(" ".join([remote, *words[1:2]]))
            elif url is not None:
                candidates.append(" ".join([url, *words[1:2]]))
        if withheld:
            self.blocked += 1  # the candidates are one image
            return None, ", ".join(withheld + candidates)
        return ", ".join(candidates) or None, None


# ---------------------------------------------------------------- CSS

CSS_PROPERTIES = _words(
    """
    background background-color background-image background-position background-repeat
    background-size border border-bottom border-bottom-color border-bottom-left-radius
    border-bottom-right-radius border-bottom-style border-bottom-width border-collapse
    border-color border-left border-left-color border-left-style border-left-width
    border-radius border-right border-right-color border-right-style border-right-width
    border-spacing border-style border-top border-top-color border-top-left-radius
    border-top-right-radius border-top-style border-top-width border-width box-shadow
    box-sizing caption-side clear color column-count column-gap direction display
    empty-cells float font font-family font-size font-stretch font-style font-variant
    font-weight height letter-spacing line-height list-style list-style-position
    list-style-type margin margin-bottom margin-left margin-right margin-top max-height
    max-width min-height min-width opacity outline outline-color outline-style
    outline-width overflow overflow-wrap overflow-x overflow-y padding padding-bottom
    padding-left padding-right padding-top table-layout text-align text-decoration
    text-decoration-color text-decoration-line text-decoration-style text-indent
    text-overflow text-shadow text-transform unicode-bidi vertical-align visibility
    white-space width word-break word-spacing word-wrap
    """
)  # no position/z-index: mail cannot lay anything over the reading pane
MAX_STYLESHEET_CHARS = 256 * 1024
MAX_CSS_RULES = 5000
# Code (old IE expression/behavior, Gecko XBL bindings), fetches without url()
# (image-set, @import "x"), or a way out of the context ("<" ends a style element).
# Backslash escapes could spell any of these, so they are refused outright.
_CSS_FORBIDDEN = re.compile(
    r"[\\<>\x00-\x08\x0b\x0e-\x1f\x7f]|expression|script|behavior|binding|@import"
    r"|image-set|image\(|cross-fade|element\(|attr\(|var\(|env\(|paint\(|src\(",
    re.I,
)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.S)
_CSS_URL = re.compile(r"url\(\s*(?:\"([^\"]*)\"|'([^']*)'|([^\"'()\s]*))\s*\)", re.I)
# After the url() tokens we read are taken out, nothing may still look like a URL:
# "url (x)" or "url/**/(x)" is not a fetch, but it is not worth keeping either.
_CSS_URL_LEFT = re.compile(r"url\s*\(|//|:/", re.I)
_CSS_PROPERTY = re.compile(r"-?[a-z][a-z-]*")
_CSS_SELECTOR = re.compile(r"[A-Za-z0-9\s_.#:*,>+~\[\]=\"'()^$|%!-]+")
_CSS_MEDIA = re.compile(r"[A-Za-z0-9\s(),:.-]*")
_CSS_URL_UNSAFE = re.compile(r"[\"'()\\\s<>]")


def _unquoted(text: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """(index, character) for the characters of text[start:] outside CSS strings."""
    quote = ""
    for index in range(start, len(text)):
        ch = text[index]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        else:
            yield index, ch


def _split_top(text: str, sep: str) -> list[str]:
    """Split at `sep` outside strings and parentheses."""
    pieces: list[str] = []
    depth = 0
    start = 0
    for index, ch in _unquoted(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            pieces.append(text[start:index])
            start = index + 1
    pieces.append(text[start:])
    return pieces


def _css_value(value: str, resolve: Callable[[str], str | None]) -> str | None:
    if _CSS_FORBIDDEN.search(value):
        return None
    if _CSS_URL_LEFT.search(_CSS_URL.sub("", value)):
        return None  # a URL the pattern could not read: do not guess
    found = list(_CSS_URL.finditer(value))
    out: list[str] = []
    pos = 0
    for match in found:
        target = resolve(next(g for g in match.groups() if g is not None))
        if target is None:
            return None
        quoted = _CSS_URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", target)
        out += [value[pos : match.start()], f'url("{quoted}")']
        pos = match.end()
    out.append(value[pos:])
    return "".join(out).strip()


def filter_declarations(text: str, resolve: Callable[[str], str | None]) -> str:
    """A style attribute (or rule body) reduced to allowed properties with safe values."""
    kept: list[str] = []
    for declaration in _split_top(_CSS_COMMENT.sub(" ", text), ";"):
        name, colon, value = declaration.partition(":")
        name = name.strip().lower()
        if colon and _CSS_PROPERTY.fullmatch(name) and name in CSS_PROPERTIES:
            cleaned = _css_value(" ".join(value.split()), resolve)
            if cleaned:
                kept.append(f"{name}:{cleaned}")
    return ";".join(kept)


def _block_end(text: str, open_brace: int) -> int:
    """Index of the "}" matching the "{" at open_brace (len(text) if unbalanced)."""
    depth = 0
    for index, ch in _unquoted(text, open_brace):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(text)


def _css_rules(
    text: str, resolve: Callable[[str], str | None], budget: list[int], nested: bool
) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text) and budget[0] > 0:
        while pos < len(text) and (text[pos].isspace() or text[pos] in ";}"):
            pos += 1
        brace = text.find("{", pos)
        semi = text.find(";", pos)
        if pos >= len(text) or (brace < 0 and text[pos] != "@"):
            break
        budget[0] -= 1
        if text[pos] == "@" and (brace < 0 or 0 <= semi < brace):
            pos = len(text) if semi < 0 else semi + 1  # @import, @charset...: skipped
            continue
        end = _block_end(text, brace)
        prelude = " ".join(text[pos:brace].split())
        body = text[brace + 1 : end]
        pos = end + 1
        if prelude[:1] == "@":
            media = prelude[6:].strip()
            if prelude[:6].lower() == "@media" and not nested and _CSS_MEDIA.fullmatch(media):
                inner = _css_rules(body, resolve, budget, nested=True)
                if inner:
                    out.append(f"@media {media}{{{''.join(inner)}}}")
            continue  # @font-face, @keyframes, @supports...: dropped
        if prelude and _CSS_SELECTOR.fullmatch(prelude) and "{" not in body:
            declarations = filter_declarations(body, resolve)
            if declarations:
                out.append(f"{prelude}{{{declarations}}}")
    return out


def filter_stylesheet(text: str, resolve: Callable[[str], str | None]) -> str:
    """A <style> element's text reduced to plain rules and @media blocks of safe declarations.

    The result contains no "<", backslash or comment, so it cannot end its element.
    """
    text = _CSS_COMMENT.sub(" ", text[:MAX_STYLESHEET_CHARS])
    # CDO/CDC ("<!--", "-->") may wrap a style sheet in HTML and mean nothing.
    text = text.replace("<!--", " ").replace("-->", " ")
    return "".join(_css_rules(text, resolve, [MAX_CSS_RULES], nested=False))


def _style_blocks(html: str) -> list[str]:
    blocks: list[str] = []
    pos = 0
    while len(blocks) < MAX_STYLE_BLOCKS:
        opening = _STYLE_OPEN.search(html, pos)
        if opening is None:
            break
        closing = _STYLE_CLOSE.search(html, opening.end())
        end = len(html) if closing is None else closing.start()
        blocks.append(html[opening.end() : end])
        pos = end
    return blocks


# ---------------------------------------------------------------- nesting guard


class _TooComplex(Exception):
    pass


class _Shape(HTMLParser):
    """Approximate tree depth and attribute counts, to keep html5ever out of its slow cases."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.open: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(attrs) > MAX_ATTRIBUTES:
            raise _TooComplex
        if tag in _VOID:
            return
        if tag in _SIBLING_CLOSED and self.stack and self.stack[-1] == tag:
            return  # <p><p>, <li><li>: the parser closes the first one
        self.stack.append(tag)
        self.open[tag] = self.open.get(tag, 0) + 1
        if len(self.stack) > MAX_NESTING:
            raise _TooComplex

    def handle_endtag(self, tag: str) -> None:
        if not self.open.get(tag):
            return
        while self.stack:
            top = self.stack.pop()
            self.open[top] -= 1
            if top == tag:
                break


def _too_complex(html: str) -> bool:
    if len(html) <= CHEAP_CHARS:
        return False
    shape = _Shape()
    try:
        shape.feed(html)
        shape.close()
    except _TooComplex:
        return True
    except Exception:  # html.parser is lenient, but not promised never to raise
        return True
    return False


# ---------------------------------------------------------------- sanitize_html


def sanitize_html(
    html: str,
    *,
    allow_remote: bool = False,
    cid_urls: Mapping[str, str] | None = None,
    location_urls: Mapping[str, str] | None = None,
    base_url: str | None = None,
) -> SafeHtml:
    """Sanitise an HTML mail body for display. Never raises.

    cid_urls maps Content-IDs (angle brackets optional) to URLs for cid: references;
    location_urls maps Content-Location values (RFC 2557) to URLs. base_url is the
    Content-Location of the HTML part or of its multipart/related (RFC 2557 section 5);
    a <base href> in the document takes precedence, as the RFC says. Links keep
    http(s) and mailto only and open in a new browsing context without an opener.
    Remote images are replaced by <img data-blocked-src="URL"> unless allow_remote.
    """
    try:
        return _sanitize(html, allow_remote, cid_urls, location_urls, base_url)
    except Exception:  # a bug here must not break reading: show the text instead
        logging.getLogger(__name__).exception("sanitize_html failed; showing text")
        return SafeHtml(text_to_html(html_to_text(html[:MAX_HTML_CHARS])), 0)


def _sanitize(
    html: str,
    allow_remote: bool,
    cid_urls: Mapping[str, str] | None,
    location_urls: Mapping[str, str] | None,
    base_url: str | None,
) -> SafeHtml:
    truncated = len(html) > MAX_HTML_CHARS
    html = html[:MAX_HTML_CHARS].replace("\x00", "\ufffd")
    if _too_complex(html):
        return SafeHtml(text_to_html(html_to_text(html)), 0, truncated)
    base = base_url
    found = _BASE_HREF.search(html)
    if found is not None:
        href = next(g for g in found.groups() if g is not None)
        base = urljoin(base_url or "", htmllib.unescape(href).strip())
    urls = _Urls(allow_remote, cid_urls, location_urls, base)
    # A per-call marker nobody can put in a message: withheld img src values carry it
    # through nh3, then the attribute is renamed to data-blocked-src.
    marker = f"blocked-{secrets.token_hex(8)}:"

    def attribute(element: str, name: str, value: str) -> str | None:
        # nh3 also asks about elements it is about to drop; answer nothing for those
        # so that remote_blocked counts only what the output would have loaded.
        if element not in TAGS:
            return None
        if name == "style":
            return filter_declarations(value, urls.css) or None
        if name == "href":
            return urls.link(value)
        if name == "src":
            url, withheld = urls.fetch(value)
            return url if withheld is None else marker + withheld
        if name == "srcset":
            kept, withheld_set = urls.srcset(value)
            return kept if withheld_set is None else marker + withheld_set
        if name == "background":
            return urls.fetch(value)[0]
        return value

    cleaner = nh3.Cleaner(
        tags=set(TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes=ATTRIBUTES,
        attribute_filter=attribute,
        url_schemes=_NH3_SCHEMES,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        link_rel="noopener noreferrer",
    )
    body = cleaner.clean(html)
    body = body.replace(' src="' + marker, ' data-blocked-src="')
    body = body.replace(' srcset="' + marker, ' data-blocked-srcset="')
    # html5ever leaves "<" raw inside attribute values; escape it there so the output
    # never holds "<script" or any tag but our own, even as attribute text.
    body = _STRAY_LT.sub("&lt;", body)
    body = _SCRIPT_SCHEME.sub(r"\1\2&#58;", body)
    sheets = [filter_stylesheet(block, urls.css) for block in _style_blocks(html)]
    css = "".join(sheets)
    head = f"<style>{css}</style>" if css else ""
    return SafeHtml(head + body, urls.blocked, truncated)


# ---------------------------------------------------------------- cid: and MHTML


@dataclass(frozen=True)
class RelatedParts:
    """The resources an HTML part may reference (RFC 2387, RFC 2557), by section number."""

    cids: dict[str, str]  # Content-ID without angle brackets -> section
    locations: dict[str, str]  # Content-Location (as written and resolved) -> section
    base: str | None  # base URL for relative references (pass as sanitize_html base_url)


def related_parts(summary: MessageSummary, section: str) -> RelatedParts:
    """Parts of the multipart/related around the HTML part at `section`.

    The UI maps each section to a URL of its own and passes the maps to
    sanitize_html as cid_urls / location_urls, with base as base_url.
    """
    sections = dict(iter_parts(summary.body))
    html_part = sections.get(section)
    related: BodyPart | None = None
    related_section = ""
    for number, part in sections.items():
        inside = section.startswith(number + ".") and len(number) > len(related_section)
        if part.content_type == "multipart/related" and inside:
            related, related_section = part, number
    if related is None and summary.body.content_type == "multipart/related":
        related = summary.body
    base = (html_part.location if html_part else None) or (related.location if related else None)
    cids: dict[str, str] = {}
    locations: dict[str, str] = {}
    prefix = related_section + "." if related_section else ""
    for number, part in sections.items():
        if related is None or not number.startswith(prefix) or part.is_multipart:
            continue
        if part.id:
            cids.setdefault(_cid_key(part.id), number)
        if part.location:
            locations.setdefault(part.location, number)
            if base:
                locations.setdefault(urljoin(base, part.location), number)
    return RelatedParts(cids, locations, base)


# ---------------------------------------------------------------- text/plain


_TEXT_LINK = re.compile(r"(?:https?://|mailto:|www\.)[^\s<>\"'`\x00-\x1f\x7f]+", re.I)
_TRAILING = ".,;:!?*"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_QUOTE_PREFIX = re.compile(r"(?:>[ \t]?)+")
_LINK_ATTRS = 'target="_blank" rel="noopener noreferrer"'


def _trim_link(url: str) -> str:
    # Sentence punctuation after a link is not part of it; a ")" is when it closes one.
    while url and (
        url[-1] in _TRAILING
        or (url[-1] in _PAIRS and url.count(url[-1]) > url.count(_PAIRS[url[-1]]))
    ):
        url = url[:-1]
    return url


def _linkify(line: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _TEXT_LINK.finditer(line):
        url = _trim_link(match.group())
        if url.lower() in ("http://", "https://", "mailto:", "www."):
            continue
        href = "http://" + url if url[:4].lower() == "www." else url
        out.append(_escape_text(line[pos : match.start()]))
        out.append(f'<a href="{htmllib.escape(href)}" {_LINK_ATTRS}>{_escape_text(url)}</a>')
        pos = match.start() + len(url)
    out.append(_escape_text(line[pos:]))
    return "".join(out)


def _escape_text(text: str) -> str:
    # Runs of spaces survive without relying on the page's white-space setting.
    # "javascript:" as text is harmless, but keeping it out makes the output auditable.
    escaped = htmllib.escape(text, quote=False).replace("  ", " &nbsp;")
    return _SCRIPT_SCHEME.sub(r"\1\2&#58;", escaped)


def _flowed_lines(text: str, delsp: bool) -> list[tuple[int, str]]:
    """RFC 3676: (quote depth, logical line) after unstuffing and joining soft breaks."""
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # section 4.4: space-stuffing
        soft = content.endswith(" ") and content != "-- "
        if pending is not None and pending[0] == depth:
            content = pending[1] + content
        elif pending is not None:
            out.append(pending)
        pending = None
        if soft:
            pending = (depth, content[:-1] if delsp else content)
        else:
            out.append((depth, content))
    if pending is not None:
        out.append(pending)
    return out


def _fixed_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for line in text.splitlines():
        prefix = _QUOTE_PREFIX.match(line)
        depth = prefix.group().count(">") if prefix else 0
        out.append((depth, line[prefix.end() :] if prefix else line))
    return out


def text_to_html(text: str, *, flowed: bool = False, delsp: bool = False) -> str:
    """Plain text as HTML: escaped, links clickable, line breaks kept, quotes marked.

    Quoted lines ("> ") are grouped in <blockquote class="quote">, nested by depth.
    With flowed (RFC 3676 format=flowed), soft line breaks are joined.
    """
    lines = _flowed_lines(text, delsp) if flowed else _fixed_lines(text)
    out: list[str] = ['<div class="mail-text">']
    depth = 0
    for index, (level, line) in enumerate(lines):
        if level != depth and index and out[-1] == "<br>":
            out.pop()  # the block boundary breaks the line already
        while depth < level:
            out.append('<blockquote class="quote">')
            depth += 1
        while depth > level:
            out.append("</blockquote>")
            depth -= 1
        out.append(_linkify(line))
        out.append("<br>")
    if out[-1] == "<br>":
        out.pop()
    out.extend(["</blockquote>"] * depth)
    out.append("</div>")
    return "".join(out)
