"""Body decoding and text extraction."""

from __future__ import annotations

import base64

from mailcore.mime import decode_body, html_to_text, part_text, summarize
from mailcore.mime.text import decode_base64, enriched_to_text


def test_base64_tolerates_junk_and_padding() -> None:
    assert decode_base64(b"SGVsbG8g!!d29y\r\nbGQ") == b"Hello world"
    assert decode_base64(b"QQ") == b"A"
    assert decode_base64(b"Q") == b""
    assert decode_base64(b"") == b""


def test_decode_body_quoted_printable_soft_breaks() -> None:
    raw = b"Content-Transfer-Encoding: quoted-printable\r\n\r\nab=\r\ncd=3D\r\n"
    summary = summarize(raw)
    assert decode_body(raw, summary.body) == b"abcd=\r\n"


def test_decode_body_uuencode() -> None:
    import binascii

    line = binascii.b2a_uu(b"hello uu")
    raw = (
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 f.txt\r\n" + line + b"`\r\nend\r\n"
    )
    assert decode_body(raw, summarize(raw).body) == b"hello uu"


def test_part_text_html_meta_charset() -> None:
    html = "<html><head><meta charset='windows-1251'></head><body>Привет</body></html>"
    raw = b"Content-Type: text/html\r\n\r\n" + html.encode("cp1251")
    summary = summarize(raw)
    assert "Привет" in part_text(raw, summary.body)
    assert summary.preview == "Привет"


def test_html_to_text_skips_scripts_and_breaks_blocks() -> None:
    html = "<style>p{}</style><script>x()</script><p>One &amp; two</p><div>Three<br>Four</div>"
    assert html_to_text(html) == "One & two\nThree\nFour"
    assert html_to_text("<p unclosed <<<>>> &bogus; <") is not None


def test_enriched() -> None:
    text = "<bold>Hi</bold>\r\nthere<<x>\r\n\r\n<param>ignored</param>next"
    assert enriched_to_text(text) == "Hi there<x>\nnext"


def test_attachment_decoded_size_and_filename_fallbacks() -> None:
    payload = base64.encodebytes(b"x" * 1000).replace(b"\n", b"\r\n")
    raw = (
        b"Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n\r\nbody\r\n--z\r\n"
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + payload
        + b'--z\r\nContent-Type: image/png; name="..\\\\..\\\\evil.png"\r\n\r\nx\r\n--z--\r\n'
    )
    summary = summarize(raw)
    pdf, png = summary.attachments
    assert (pdf.filename, pdf.decoded_size, pdf.section) == ("attachment.pdf", 1000, "2")
    assert png.filename == "evil.png"
    assert summary.preview == "body"
