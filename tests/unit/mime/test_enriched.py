"""RFC 1896 text/enriched to HTML: formatting, the line-break rules, and hostile parameters."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_html_sanitize import assert_clean

from mailcore.mime.enriched import enriched_to_html


def body(html: str) -> str:
    prefix, suffix = '<div class="mail-enriched">', "</div>"
    assert html.startswith(prefix) and html.endswith(suffix)
    return html[len(prefix) : -len(suffix)]


def test_rfc1896_sample() -> None:
    # The sample text of RFC 1896, with CRLF line ends.
    text = (
        "<bold>Now</bold> is the time for <italic>all</italic> good men\r\n"
        " <smaller>(and <<women>)</smaller> to\r\n"
        "<ignoreme>come</ignoreme>\r\n"
        " to the aid of their\r\n"
        "\r\n"
        "<color><param>red</param>beloved</color> country."
    )
    assert body(enriched_to_html(text)) == (
        "<b>Now</b> is the time for <i>all</i> good men  <small>(and &lt;women&gt;)</small> to "
        'come  to the aid of their<br><span style="color:red">beloved</span> country.'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\r\nb", "a b"),
        ("a\nb", "a b"),
        ("a\r\n\r\nb", "a<br>b"),
        ("a\n\n\nb", "a<br><br>b"),
        (
            "<nofill>a\r\nb\r\n\r\nc</nofill>",
            '<div style="white-space:pre-wrap">a<br>b<br><br>c</div>',
        ),
    ],
)
def test_line_breaks_follow_section_2(text: str, expected: str) -> None:
    # Filled text: one break is a space, n breaks are n-1 line breaks; nofill keeps all.
    assert body(enriched_to_html(text)) == expected


def test_formatting_commands() -> None:
    text = (
        "<Bold>b</BOLD><underline>u</underline><fixed>f</fixed><bigger>g</bigger>"
        "<center>c</center><flushright>r</flushright><flushboth>j</flushboth>"
        "<excerpt>q</excerpt><color><param>ffff,8000,0000</param>o</color>"
        "<fontfamily><param>Times New Roman</param>t</fontfamily>"
        "<paraindent><param>left,in</param>p</paraindent><lang><param>en-US</param>l</lang>"
    )
    assert body(enriched_to_html(text)) == (
        "<b>b</b><u>u</u><tt>f</tt><big>g</big>"
        '<div style="text-align:center">c</div><div style="text-align:right">r</div>'
        '<div style="text-align:justify">j</div><blockquote class="quote">q</blockquote>'
        '<span style="color:#ff8000">o</span>'
        "<span style=\"font-family:'Times New Roman'\">t</span>"
        '<div style="margin-left:2em;text-indent:2em">p</div><span lang="en-US">l</span>'
    )


def test_unbalanced_and_unknown_commands() -> None:
    # Unknown commands are ignored (section 4); closing an outer command closes the
    # inner ones; stray closers do nothing; whatever is open is closed at the end.
    text = "<bold>a<italic>b</bold>c</italic></underline><x-new>d</x-new><bold>e"
    assert body(enriched_to_html(text)) == "<b>a<i>b</i></b>cd<b>e</b>"


@pytest.mark.parametrize(
    "param",
    [
        "red;background:url(http://tracker.invalid/e.png)",
        'red" onmouseover="alert(1)',
        "expression(alert(1))",
        "<script>alert(1)</script>",
        "ffff,0000",
    ],
)
def test_hostile_color_parameter_is_dropped(param: str) -> None:
    html = enriched_to_html(f"<color><param>{param}</param>text</color>")
    assert body(html) == "<span>text</span>"


@pytest.mark.parametrize(
    "param",
    ['Times"><script>alert(1)</script>', "a'b", "x;background:url(http://tracker.invalid/)"],
)
def test_hostile_fontfamily_and_lang_parameters_are_dropped(param: str) -> None:
    assert body(enriched_to_html(f"<fontfamily><param>{param}</param>t</fontfamily>")) == (
        "<span>t</span>"
    )
    assert body(enriched_to_html(f"<lang><param>{param}</param>t</lang>")) == "<span>t</span>"


def test_param_must_follow_its_command() -> None:
    assert body(enriched_to_html("<color>x<param>red</param>y</color>")) == "<span>xy</span>"


def test_markup_in_text_is_escaped() -> None:
    html = enriched_to_html('<<script>alert(1)<</script> & <<img src=x onerror="alert(1)">')
    assert body(html) == (
        '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror="alert(1)"&gt;'
    )
    assert_clean(html)


ENRICHED_FRAGMENTS = [
    "<bold>", "</bold>", "<param>", "</param>", "<color>", "</color>", "<fontfamily>",
    "<nofill>", "</nofill>", "<<", "<", ">", "\r\n", "\n", '"', "'", ";", "url(",
    "http://tracker.invalid/", "<script>", "javascript:", "<excerpt>", "<paraindent>",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(ENRICHED_FRAGMENTS), st.text(max_size=6))).map("".join))
def test_random_enriched_renders_clean(text: str) -> None:
    assert_clean(enriched_to_html(text))
