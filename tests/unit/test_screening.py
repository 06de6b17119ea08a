import pytest

from app.content.screening import screen


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
