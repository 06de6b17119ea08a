import json
from pathlib import Path

import pytest

from app.content.render import render_markdown
from app.content.screening import normalize, screen, screen_rendered, visible_parts


def kinds(text: str, include_links: bool = False) -> list[str]:
    return [finding.kind for finding in screen(text, include_links=include_links)]


@pytest.mark.parametrize(
    "text",
    [
        "azathioprine 50 mg twice daily",
        "ALT 45 U/L and AST 38 U/L",
        "2.5 mg/kg",
        "12/03/2025",
        "on 2025-03-12 and 12.03.2025",
        "took 100 150 200 mg over three weeks",
        "my IgG was 16.2 g/L",
        "TPMT activity 35 mU/L, NUDT15 normal",
        "white count 3.1 x 10^9/L",
        "I was diagnosed in 2019 at age 34",
        "6-MP 75 mg, 6-TGN 235 pmol/8x10^8 RBC",
        "prednisolone 40 mg tapering by 5 mg every week",
        "blood tests every 2 weeks for 8 weeks, then monthly",
        "Dr Patel said 3 Dr visits a year",
    ],
)
def test_dosages_lab_values_and_dates_are_not_personal_information(text):
    assert kinds(text, include_links=True) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to me at jane.doe+aih@example.co.uk", "email"),
        ("call +44 20 7946 0958 after six", "phone"),
        ("my mobile is 07700 900123", "phone"),
        ("ring (555) 123-4567", "phone"),
        ("US: +1-202-555-0143", "phone"),
        ("Germany 0049 30 12345678", "phone"),
        ("I live at 221B Baker Street in London", "address"),
        ("come to 1600 Pennsylvania Avenue", "address"),
        ("we are at 12 Rue Lane", "address"),
    ],
)
def test_personal_information_is_found(text, kind):
    assert kind in kinds(text)


def test_links_count_only_when_asked():
    text = "see https://example.org/cure and www.example.net"
    assert kinds(text) == []
    assert kinds(text, include_links=True) == ["link", "link"]


# --- The screening corpus: what readers would see, and medical text that must stay clean ---

CORPUS = [
    json.loads(line)
    for line in (Path(__file__).parent.parent / "data" / "pii_screen_corpus.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
]
MUST_CATCH = [entry for entry in CORPUS if entry["expect"]]
MUST_PASS = [entry for entry in CORPUS if not entry["expect"]]


def rendered_kinds(markdown: str, include_links: bool) -> list[str]:
    findings = screen_rendered("A title", render_markdown(markdown), include_links=include_links)
    return [finding.kind for finding in findings]


def test_the_corpus_is_big_enough_and_mixed():
    assert len(MUST_CATCH) >= 40 and len(MUST_PASS) >= 40
    assert {entry["expect"] for entry in MUST_CATCH} == {"email", "phone", "address"}


@pytest.mark.parametrize("entry", MUST_CATCH, ids=[entry["note"] for entry in MUST_CATCH])
def test_disguised_personal_information_is_caught_as_the_right_kind(entry):
    assert rendered_kinds(entry["markdown"], include_links=False) == [entry["expect"]]


@pytest.mark.parametrize("entry", MUST_PASS, ids=[entry["markdown"][:40] for entry in MUST_PASS])
def test_medical_text_is_not_flagged(entry):
    assert rendered_kinds(entry["markdown"], include_links=True) == []


def test_findings_show_the_text_as_a_reader_sees_it():
    html = render_markdown("Mail jane&#64;exa\u200bmple.com or call ５５５ １２３ ４５６７")
    assert [(f.kind, f.text) for f in screen_rendered("", html, include_links=False)] == [
        ("email", "jane@example.com"),
        ("phone", "555 123 4567"),
    ]


def test_the_title_is_screened_too():
    findings = screen_rendered("Call 0161 496 0000", "<p>Hello</p>", include_links=False)
    assert [f.kind for f in findings] == ["phone"]


def test_a_tel_link_target_is_a_phone_whatever_its_text():
    html = '<p><a href="tel:+15551234567">ring me</a></p>'
    assert [(f.kind, f.text) for f in screen_rendered("", html, include_links=False)] == [
        ("phone", "+15551234567")
    ]


def test_link_titles_count_as_text_a_reader_sees():
    html = render_markdown('[guide](https://example.org "call 0161 496 0000")')
    assert [f.kind for f in screen_rendered("", html, include_links=False)] == ["phone"]


def test_a_link_whose_text_hides_its_target_is_a_link_finding_for_new_members():
    html = render_markdown("[the NHS leaflet](https://example.net/cure)")
    assert [f.text for f in screen_rendered("", html, include_links=True)] == [
        "https://example.net/cure"
    ]
    assert screen_rendered("", html, include_links=False) == []


def test_a_visible_link_is_reported_once():
    html = render_markdown("see https://example.org/cure and www.example.net")
    assert [f.kind for f in screen_rendered("", html, include_links=True)] == ["link", "link"]


def test_table_cells_do_not_join_into_a_phone_number():
    assert visible_parts("<td>0161</td><td>496</td><td>0000</td>")[0].split() == [
        "0161",
        "496",
        "0000",
    ]
    assert rendered_kinds("| 0161 | 496 | 0000 |\n|---|---|---|\n| a | b | c |", True) == []


@pytest.mark.parametrize(
    "number", ["1-800-633-4227", "(1-877-486-2048)", "0800 123 4567", "+44 808 800 5000"]
)
def test_toll_free_helplines_are_not_personal(number):
    assert kinds(f"Call the helpline on {number}") == []


@pytest.mark.parametrize(
    ("raw", "seen"),
    [
        ("jane&amp;#64;example.com", "jane@example.com"),
        ("a\u200bb\u200cc\u200dd\u200ee\u200ff\u2060g\u2064h\ufeffi\u00adj", "abcdefghij"),
        ("x\U000e0041y", "xy"),
        ("５５５＠ｅｘａｍｐｌｅ．ｃｏｍ", "555@example.com"),
    ],
)
def test_normalize_decodes_entities_drops_invisible_characters_and_applies_nfkc(raw, seen):
    assert normalize(raw) == seen


def test_display_names_and_notes_are_normalised_too():
    assert kinds("jane&#64;example.com") == ["email"]
    assert kinds("jane dot doe at example dot com") == ["email"]
