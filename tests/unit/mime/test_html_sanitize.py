"""Hostile HTML: every corpus message (tests/data/hostile) renders clean, and so does random input.

The same corpus is loaded by the browser test, which proves that nothing runs and
nothing is fetched; here the output of each renderer is audited element by element.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mailcore.mime import iter_parts, part_text, summarize
from mailcore.mime.enriched import enriched_to_html
from mailcore.mime.html import (
    ATTRIBUTES,
    MAX_HTML_CHARS,
    TAGS,
    SafeHtml,
    filter_declarations,
    filter_stylesheet,
    related_parts,
    sanitize_html,
    text_to_html,
)
from mailcore.mime.model import MessageSummary

HOSTILE = Path(__file__).resolve().parents[2] / "data" / "hostile"
CORPUS = sorted(HOSTILE.glob("*.eml"))
OUTPUT_ATTRIBUTES = set().union(*ATTRIBUTES.values()) | {
    "target",
    "rel",
    "data-blocked-src",
    "data-blocked-srcset",
}
# Attributes that may carry a remote URL in the output: links the user clicks, and
# the withheld references the UI shows only when asked.
INERT_URL_ATTRIBUTES = {"href", "data-blocked-src", "data-blocked-srcset"}
# Text the UI shows (a tooltip, an image's stand-in), which may well name a URL: nothing
# is fetched from it.
TEXT_ATTRIBUTES = {"title", "alt"}
PART_URL = "/part/"


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.style_text: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.style_text.append(data)


def assert_clean(html: str, *, remote_allowed: bool = False) -> None:
    """Only allowed elements and attributes; no code; no fetch that is not ours or allowed."""
    lowered = html.lower()
    assert "<script" not in lowered
    for scheme in ("javascript:", "vbscript:", "livescript:"):
        assert scheme not in lowered, scheme
    audit = _Audit()
    audit.feed(html)
    audit.close()
    for index, (tag, attrs) in enumerate(audit.elements):
        assert tag in TAGS or (tag == "style" and index == 0), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name in OUTPUT_ATTRIBUTES, (tag, name)
            if name == "href":
                assert urlsplit(value).scheme in ("http", "https", "mailto"), value
            if name in ("src", "background"):
                loads_ours = value.startswith((PART_URL, "data:image/"))
                assert loads_ours or remote_allowed, (tag, name, value)
            if name not in INERT_URL_ATTRIBUTES | TEXT_ATTRIBUTES and not remote_allowed:
                assert "tracker.invalid" not in value.lower(), (tag, name, value)
        if tag == "a":
            assert attrs.get("target") == "_blank"
            assert attrs.get("rel") == "noopener noreferrer"
    css = "".join(audit.style_text).lower()
    assert "@import" not in css and "<" not in css
    if not remote_allowed:
        assert "tracker.invalid" not in css


def part_urls(summary: MessageSummary, section: str) -> dict[str, object]:
    related = related_parts(summary, section)
    return {
        "cid_urls": {cid: PART_URL + sec for cid, sec in related.cids.items()},
        "location_urls": {loc: PART_URL + sec for loc, sec in related.locations.items()},
        "base_url": related.base,
    }


def render_all(raw: bytes, allow_remote: bool = False) -> list[tuple[str, str, SafeHtml | str]]:
    """Every text part of a message rendered as the web UI renders it."""
    summary = summarize(raw)
    rendered: list[tuple[str, str, SafeHtml | str]] = []
    for section, part in iter_parts(summary.body):
        if part.type != "text":
            continue
        text = part_text(raw, part)
        if part.subtype == "html":
            urls = part_urls(summary, section)
            safe = sanitize_html(text, allow_remote=allow_remote, **urls)  # type: ignore[arg-type]
            rendered.append((section, "html", safe))
        elif part.subtype == "plain":
            rendered.append((section, "plain", text_to_html(text)))
        elif part.subtype == "enriched":
            rendered.append((section, "enriched", enriched_to_html(text)))
    return rendered


def _html(item: SafeHtml | str) -> str:
    return item.html if isinstance(item, SafeHtml) else item


def test_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 15
    assert (HOSTILE / "README.md").exists()


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_message_renders_clean(path: Path) -> None:
    raw = path.read_bytes()
    rendered = render_all(raw)
    assert rendered, "every corpus message has something to show"
    for _section, _kind, item in rendered:
        assert_clean(_html(item))


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_message_with_remote_allowed_still_runs_nothing(path: Path) -> None:
    for _section, _kind, item in render_all(path.read_bytes(), allow_remote=True):
        assert_clean(_html(item), remote_allowed=True)


def _render(name: str) -> list[tuple[str, str, SafeHtml | str]]:
    return render_all((HOSTILE / name).read_bytes())


def test_tracking_pixels_are_withheld_and_counted() -> None:
    [(_, _, safe)] = _render("12-tracking-pixel.eml")
    assert isinstance(safe, SafeHtml)
    assert 'data-blocked-src="http://tracker.invalid/open.gif?u=alice"' in safe.html
    assert 'data-blocked-src="https://tracker.invalid/protocol-relative.gif"' in safe.html
    assert "data-blocked-srcset=" in safe.html
    assert safe.remote_blocked == safe.html.count("data-blocked-src")


def test_remote_images_load_when_allowed() -> None:
    [(_, _, safe)] = render_all((HOSTILE / "12-tracking-pixel.eml").read_bytes(), True)
    assert isinstance(safe, SafeHtml)
    assert 'src="http://tracker.invalid/open.gif?u=alice"' in safe.html
    assert "data-blocked" not in safe.html
    assert safe.remote_blocked == 0


def test_cid_image_is_rewritten_and_unknown_cid_becomes_nothing() -> None:
    [(section, _, safe)] = _render("16-related-cid.eml")
    assert section == "1"
    assert isinstance(safe, SafeHtml)
    assert '<img src="/part/2" alt="logo"' in safe.html
    assert '<img alt="missing">' in safe.html
    assert "url(&quot;/part/2&quot;)" in safe.html  # cid: inside CSS too
    assert safe.remote_blocked == 1


def test_cid_lookup_is_exact_but_tolerates_brackets_and_percent_encoding() -> None:
    cids = {"<a%b@x>": "/part/9", "Logo@X": "/part/5"}
    html = '<img src="cid:a%25b@x"><img src="cid:Logo@X"><img src="cid:logo@x">'
    assert sanitize_html(html, cid_urls=cids).html == (
        '<img src="/part/9"><img src="/part/5"><img>'
    )


def test_mhtml_content_location_resolves_relative_and_absolute() -> None:
    [(_, _, safe)] = _render("17-mhtml-location.eml")
    assert isinstance(safe, SafeHtml)
    assert '<img src="/part/2" alt="relative">' in safe.html
    assert '<img src="/part/3" alt="absolute">' in safe.html
    assert '<img src="/part/4" alt="by relative location">' in safe.html
    assert 'data-blocked-src="http://tracker.invalid/not-in-package.gif"' in safe.html


def test_related_parts_lists_resources_by_section() -> None:
    summary = summarize((HOSTILE / "17-mhtml-location.eml").read_bytes())
    related = related_parts(summary, "1")
    assert related.base == "http://www.example.com/page/index.html"
    assert related.locations["images/photo.gif"] == "2"
    assert related.locations["http://www.example.com/page/images/photo.gif"] == "2"
    assert related.locations["http://www.example.com/page/other.gif"] == "4"
    cid_summary = summarize((HOSTILE / "16-related-cid.eml").read_bytes())
    assert related_parts(cid_summary, "1").cids == {"logo.123@attacker.invalid": "2"}


def test_base_href_applies_to_resolution_but_is_not_kept() -> None:
    [(_, _, safe)] = _render("10-base-href.eml")
    assert isinstance(safe, SafeHtml)
    assert "<base" not in safe.html
    assert 'data-blocked-src="http://tracker.invalid/base/pixel.gif"' in safe.html
    assert 'href="http://tracker.invalid/base/landing.html"' in safe.html


def test_style_blocks_keep_safe_rules_only() -> None:
    [(_, _, safe)] = _render("08-css-remote.eml")
    assert isinstance(safe, SafeHtml)
    assert safe.html.startswith(
        "<style>body{color:#333}.logo{width:10px}h1{font-size:20px;font-weight:bold}"
        "@media screen{.ok{color:red}}</style>"
    )
    assert '<div style="color:blue">inline style url</div>' in safe.html
    assert "position" not in safe.html and "z-index" not in safe.html
    assert safe.remote_blocked >= 5


def test_links_keep_http_and_mailto_only() -> None:
    html = (
        '<a href="https://example.org/a?b=1&amp;c=2">s</a><a href="mailto:b@example.org">m</a>'
        '<a href="ftp://example.org/">f</a><a href="/relative">r</a>'
        '<a href="#top" target=_top>t</a>'
    )
    out = sanitize_html(html).html
    assert 'href="https://example.org/a?b=1&amp;c=2"' in out
    assert 'href="mailto:b@example.org"' in out
    assert out.count("href=") == 2
    assert_clean(out)  # every <a> opens a new context without an opener


def test_mail_formatting_survives() -> None:
    html = (
        '<table width="600" cellpadding="4" bgcolor="#eeeeee"><tr><td align="center" '
        'style="font-family: Arial, sans-serif; font-size: 14px; padding: 0 4px">'
        '<font color="red" face="Verdana" size="2"><b>Sale</b></font></td></tr></table>'
        '<blockquote type="cite"><p>quoted</p></blockquote><img src="data:image/png;base64,iVBO"'
        ' alt="inline" width="10">'
    )
    out = sanitize_html(html).html
    assert '<table width="600" cellpadding="4" bgcolor="#eeeeee">' in out
    assert 'style="font-family:Arial, sans-serif;font-size:14px;padding:0 4px"' in out
    assert '<font color="red" face="Verdana" size="2"><b>Sale</b></font>' in out
    assert '<blockquote type="cite">' in out
    assert 'src="data:image/png;base64,iVBO"' in out


def test_css_filter_drops_what_it_cannot_read() -> None:
    def allow(url: str) -> str:
        return url

    assert filter_declarations("color: red; position: fixed; z-index: 9", allow) == "color:red"
    assert filter_declarations("background: url(http://x/a) no-repeat", allow) == (
        'background:url("http://x/a") no-repeat'
    )
    assert filter_declarations('background: url("a\\"b")', allow) == ""
    assert filter_declarations("font-family: '\\5B8B\\4F53'", allow) == ""
    assert filter_declarations("background: url(x) ; color: expression(1)", allow) == (
        'background:url("x")'
    )
    assert filter_stylesheet("a{color:red}</style><script>x</script>", allow) == "a{color:red}"
    assert filter_stylesheet("a{color:red} <b>{color:blue}", allow) == "a{color:red}"
    assert filter_stylesheet("@import 'x'; p{color:red} @font-face{src:url(x)}", allow) == (
        "p{color:red}"
    )


def test_css_url_is_quoted_so_it_cannot_break_out() -> None:
    out = filter_declarations("background:url(x)", lambda _: 'a")b(c d')
    assert out == 'background:url("a%22%29b%28c%20d")'


def test_sanitize_never_raises_and_takes_no_text_for_markup() -> None:
    assert sanitize_html("") == SafeHtml("", 0)
    assert sanitize_html("plain & <b>bold</b>").html == "plain &amp; <b>bold</b>"
    assert sanitize_html("a\x00b").html == "a\ufffdb"


def test_huge_deep_nesting_is_shown_as_text() -> None:
    # 200,000 nested divs: html5ever's scope checks would take minutes on this.
    html = "<div>" * 200_000 + "<script>x</script>deep text" + "</div>" * 200_000
    safe = sanitize_html(html)
    assert "deep text" in safe.html
    assert "<div><div>" not in safe.html
    assert_clean(safe.html)


def test_huge_flat_input_is_sanitised_and_cut_at_the_limit() -> None:
    row = '<tr><td style="color:red">cell</td><td><img src="http://tracker.invalid/p"></td></tr>'
    html = "<table>" + row * (MAX_HTML_CHARS // len(row) + 10) + "</table>"
    safe = sanitize_html(html)
    assert safe.truncated
    assert safe.remote_blocked > 40_000
    assert_clean(safe.html)


def test_many_attributes_on_one_element_are_bounded() -> None:
    html = "<p " + " ".join(f"a{i}=1" for i in range(60_000)) + ">text</p>"
    assert "text" in sanitize_html(html).html


# ---------------------------------------------------------------- text/plain


def test_text_to_html_escapes_and_links() -> None:
    out = text_to_html('a <b> & "c"\nsee www.example.org/x, or (http://e.example/a_(b)).')
    assert out == (
        '<div class="mail-text">a &lt;b&gt; &amp; "c"<br>see '
        '<a href="http://www.example.org/x" target="_blank" rel="noopener noreferrer">'
        "www.example.org/x</a>, or ("
        '<a href="http://e.example/a_(b)" target="_blank" rel="noopener noreferrer">'
        "http://e.example/a_(b)</a>).</div>"
    )


def test_text_to_html_never_links_scripts_or_breaks_out_of_href() -> None:
    out = text_to_html('javascript:alert(1)\nhttp://x.example/"onmouseover="alert(1)')
    assert 'href="http://x.example/"' in out
    assert "onmouseover=" in out  # as text, after the link
    assert_clean(out)
    assert "javascript&#58;alert(1)" in out


def test_text_to_html_marks_quotes_by_depth() -> None:
    out = text_to_html("hi\n> one\n>> two\n> > two too\nbye")
    assert out == (
        '<div class="mail-text">hi<blockquote class="quote">one<blockquote class="quote">'
        "two<br>two too</blockquote></blockquote>bye</div>"
    )


def test_text_to_html_keeps_runs_of_spaces() -> None:
    assert text_to_html("a    b") == '<div class="mail-text">a &nbsp; &nbsp;b</div>'


def test_text_to_html_format_flowed() -> None:
    # RFC 3676: trailing space = soft break, leading space is stuffing, "-- " is hard.
    text = "This is \n one paragraph.\n>quoted \n>line\n-- \nsig"
    assert text_to_html(text, flowed=True) == (
        '<div class="mail-text">This is one paragraph.<blockquote class="quote">'
        "quoted line</blockquote>-- <br>sig</div>"
    )
    assert text_to_html("a \nb", flowed=True, delsp=True) == '<div class="mail-text">ab</div>'


# ---------------------------------------------------------------- random input

FRAGMENTS = [
    "<script>", "<ScRiPt ", "</script>", "<img src=", "x", " onerror=", "alert(1)",
    "javascript:", "&#106;", "&#x3A;", "<svg", "<a href=", '"', "'", ">", "<", "/", "<style>",
    "</style>", "url(", "http://tracker.invalid/", "<!--", "-->", "--!>", "\x00", "\t",
    "<iframe srcdoc=", "&lt;", "=", " ", "\n", "<table>", "<td background=", "<div style=",
    "expression(", "<base href=", "cid:", "<math>", "<mtext>", "<mglyph>", "<noscript>",
    "<![CDATA[", "]]>", "<form>", "<select>", "<template>", "<p title=", "\\", "@import",
    "<object data=", "<meta http-equiv=refresh content=", "data:text/html,", "vbscript:",
]  # fmt: skip
HOSTILE_TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8))).map("".join)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(HOSTILE_TEXT, st.booleans())
@example("<p title=http://tracker.invalid/<script>", False)  # a URL as tooltip text
def test_random_markup_never_yields_code(html: str, allow_remote: bool) -> None:
    safe = sanitize_html(html, allow_remote=allow_remote, cid_urls={"x": "/part/2"})
    assert_clean(safe.html, remote_allowed=allow_remote)


@SETTINGS
@given(HOSTILE_TEXT, st.booleans())
def test_random_text_never_yields_markup(text: str, flowed: bool) -> None:
    out = text_to_html(text, flowed=flowed)
    audit = _Audit()
    audit.feed(out)
    assert {tag for tag, _ in audit.elements} <= {"div", "a", "br", "blockquote"}
    for tag, attrs in audit.elements:
        assert all(not name.startswith("on") for name in attrs)
        if tag == "a":
            assert urlsplit(attrs["href"]).scheme in ("http", "https", "mailto")
