import re

import pytest

from app.content import plain_text, render_markdown, slugify, summarize


def test_markdown_becomes_html():
    html = render_markdown("## Dosing\n\nTake **with food**.\n\n- one\n- two")
    assert "<h2>Dosing</h2>" in html
    assert "<strong>with food</strong>" in html
    assert "<li>one</li>" in html


def test_raw_html_is_shown_as_text_not_run():
    html = render_markdown("<script>alert(1)</script> and <img src=x onerror=alert(1)>")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox(1))",
        "![x](javascript:alert(1))",
    ],
)
def test_dangerous_link_schemes_are_dropped(source):
    html = render_markdown(source).lower()
    assert "href=" not in html and "src=" not in html and "<img" not in html


def test_raw_html_links_with_dangerous_schemes_stay_text():
    html = render_markdown('<a href="javascript:alert(1)">x</a>')
    assert "<a" not in html and "&lt;a href=" in html


def test_images_become_links_so_readers_load_nothing_from_other_hosts():
    html = render_markdown("![my rash](https://img.example/rash.png)")
    assert "<img" not in html
    assert '<a href="https://img.example/rash.png" rel="nofollow ugc noopener">' in html
    assert "my rash (image)" in html


def test_links_are_marked_as_user_content():
    html = render_markdown("See [MedlinePlus](https://medlineplus.gov/) or https://nih.gov")
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://nih.gov"' in html


def test_a_members_top_heading_never_competes_with_the_page_title():
    assert render_markdown("# Big").strip() == "<h2>Big</h2>"


def test_rendering_is_stable_when_repeated():
    source = "Text with <b>tags</b>, [a link](https://example.org) & ampersands"
    once = render_markdown(source)
    assert render_markdown(source) == once


def test_dosages_and_lab_values_survive_rendering():
    html = render_markdown("azathioprine 50 mg twice daily; ALT 45 U/L; 2.5 mg/kg")
    assert "azathioprine 50 mg twice daily; ALT 45 U/L; 2.5 mg/kg" in html


def test_plain_text_and_summary():
    html = render_markdown("# Title\n\nFirst &amp; second " + "word " * 100)
    assert plain_text("<p>a &amp; <b>b</b></p>") == "a & b"
    assert plain_text("<p>All <strong>fine</strong>.</p><p>Next</p>") == "All fine. Next"
    summary = summarize(html, limit=60)
    assert len(summary) <= 60 and summary.endswith("…")
    assert "<" not in summary


def test_plain_text_folds_every_kind_of_whitespace_into_one_space():
    every_space = "".join(chr(c) for c in range(0x110000) if re.fullmatch(r"\s", chr(c)))
    fragment = (
        f"<p>{every_space}Dose{every_space}&nbsp;<br>missed&#x2028;\u3000again{every_space}</p>"
    )
    assert plain_text(fragment) == "Dose missed again"
    assert plain_text("<li>one</li><li>two</li>\n\n<p>\tthree\r\n</p>") == "one two three"
    assert plain_text(" \n ") == ""


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Missed my Imuran: what now?", "missed-my-imuran-what-now"),
        ("Ça va? Crème brûlée", "ca-va-creme-brulee"),
        ("!!!", "post"),
        ("6-MP and 6-TGN", "6-mp-and-6-tgn"),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug
