"""Automatic findings: personal information and links that a moderator should look at.

The screen reads what a reader will see: the plain text of the rendered, sanitized HTML and its
link targets, after entity decoding, NFKC normalisation and removal of invisible characters, so
"jane&#64;example.com", zero-width splits and fullwidth digits do not slip through. It knows the
usual obfuscations ("jane dot doe at example dot com", "jane [at] example [dot] com", digits
split by spaces, dots, dashes or slashes) and is tuned not to fire on what health posts are
full of: dosages, lab values, reference ranges and dates ("azathioprine 50 mg twice daily",
"ALT 45 U/L", "2.5 mg/kg", "12/03/2025", "7-56").
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import asdict, dataclass
from urllib.parse import unquote

KIND_LABELS = {
    "email": "Email address",
    "phone": "Phone number",
    "address": "Street address",
    "link": "Link from a new member",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def as_dict(self) -> dict[str, str]:
        return {**asdict(self), "label": self.label}


# --- What the reader sees -------------------------------------------------------------------


def _character_class(codes: list[int]) -> str:
    """A regex character class of these code points, as ranges (a long list is slow)."""
    ranges: list[list[int]] = []
    for code in sorted(codes):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = (
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return "[" + "".join(parts) + "]"


# Invisible characters: every format character (Cf: zero-width space and joiners, soft hyphen,
# bidi marks, word joiner, BOM, tags), plus the Hangul fillers, the combining grapheme joiner
# and variation selectors, which render as nothing too. Astral ones get a pattern of their own
# so that the common case stays a fast BMP lookup.
_INVISIBLE_CODES = [
    code
    for code in (*range(0x20000), *range(0xE0000, 0xE1000))
    if unicodedata.category(chr(code)) == "Cf"
] + [0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, *range(0xFE00, 0xFE10)]
_INVISIBLE = re.compile(_character_class([c for c in _INVISIBLE_CODES if c <= 0xFFFF]))
_INVISIBLE_ASTRAL = re.compile(_character_class([c for c in _INVISIBLE_CODES if c > 0xFFFF]))
_BLOCK_TAG = re.compile(
    r"</?(?:p|br|li|ul|ol|h[1-6]|blockquote|pre|tr|td|th|table|thead|tbody|hr|div)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
_SHOWN_ATTRIBUTE = re.compile(r"""\s(href|title)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def _without_invisible(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    if not text.isascii() and max(text) > "\uffff":
        text = _INVISIBLE_ASTRAL.sub("", text)
    return text


def normalize(text: str) -> str:
    """Text as a reader perceives it: entities decoded (twice: sources may double-encode),
    invisible characters (zero-width, soft hyphen, bidi marks) removed, NFKC applied (fullwidth
    digits and "＠" become ASCII), and invisible ones removed again in case NFKC made any."""
    if "&" in text:
        text = html.unescape(html.unescape(text))
    text = _without_invisible(text)
    if not unicodedata.is_normalized("NFKC", text):
        text = _without_invisible(unicodedata.normalize("NFKC", text))
    return text


def visible_parts(fragment: str) -> tuple[str, list[str]]:
    """The text of an HTML fragment (a line per block, inline tags vanish, then the titles a
    reader sees on hover) and its link targets, both still entity-encoded."""
    targets, titles = [], []
    for name, double, single in _SHOWN_ATTRIBUTE.findall(fragment):
        (targets if name.lower() == "href" else titles).append(double or single)
    text = _TAG.sub("", _BLOCK_TAG.sub("\n", fragment))
    return "\n".join([text, *titles]), targets


# --- Emails ---------------------------------------------------------------------------------

_AT = r"(?:\s*[(\[{<]\s*(?:[aA][tT]|@)\s*[)\]}>]\s*|[^\S\n]+[aA][tT][^\S\n]+|\s*@\s*)"
_DOT = (
    r"(?:\s*[(\[{<]\s*(?:[dD][oO][tT]|\.)\s*[)\]}>]\s*|[^\S\n]+[dD][oO][tT][^\S\n]+"
    r"|[^\S\n]+\.[^\S\n]+|\.)"
)
# Case-sensitive patterns with explicit classes: IGNORECASE makes these scans several times
# slower on a long post.
EMAIL = re.compile(
    rf"(?<![\w.+%-])(?P<local>[\w+%-]{{1,64}}+(?:{_DOT}[\w+%-]{{1,64}}+){{0,5}})"
    rf"(?P<at>{_AT})"
    rf"(?P<domain>(?:[a-zA-Z0-9-]{{1,63}}+{_DOT}){{1,5}})(?P<tld>[a-zA-Z]{{2,24}})"
    r"(?![\w@+-]|\.\w)"
)
_AT_TOKEN = re.compile(r"@|[(\[{<]\s*(?:[aA][tT]|@)\s*[)\]}>]|[^\S\n][aA][tT][^\S\n]")
_DOMAIN_AFTER_AT = re.compile(
    rf"\s*(?:[a-zA-Z0-9-]{{1,63}}+{_DOT}){{1,5}}[a-zA-Z]{{2,24}}(?![\w@+-]|\.\w)"
)
_LOCAL_REACH = 6 * 64 + 5 * 9
WEBMAIL_HOSTS = (
    "gmail",
    "googlemail",
    "hotmail",
    "yahoo",
    "outlook",
    "icloud",
    "proton",
    "aol",
    "gmx",
)
WEBMAIL = re.compile(
    rf"(?<![\w.+%-])[\w+%-]{{1,64}}+(?:{_DOT}[\w+%-]{{1,64}}+){{0,5}}"
    r"(?:\s*[(\[{<]\s*(?:at|@)\s*[)\]}>]\s*|\s*@\s*)"
    rf"(?:{'|'.join(WEBMAIL_HOSTS)})\b(?!\.\w)",
    re.IGNORECASE,
)
# Top-level domains an obfuscated address must end in: common ones, minus English words
# ("at home. It", "in", "me", "us") that would turn ordinary sentences into addresses.
OBFUSCATED_TLDS = frozenset(
    "com net org edu gov mil int info biz io co uk ca au nz ie de fr es nl ch se dk fi pl eu "
    "za jp cn ru br mx pt gr ar cl nhs email online site app dev".split()
)
# Words before a plain " at " that make it a place or a website, not a mailbox.
_NOT_A_MAILBOX = frozenset(
    "look looking looked available online visit visiting here there information info website "
    "site web page pages us found find located posted published read see go went is are was "
    "be or and them it resources guidelines guide service services center centre us them".split()
)


def _is_plain_at(at: str) -> bool:
    return at.strip().lower() == "at"


def _is_email(match: re.Match) -> bool:
    local, at, domain, tld = match.group("local", "at", "domain", "tld")
    if at == "@" and re.fullmatch(r"[\w+%.-]+", local + domain):
        return True
    if tld.lower() not in OBFUSCATED_TLDS or domain.lower().startswith("www"):
        return False
    spelled_dot = re.search(r"[dD][oO][tT]|[(\[{<]", domain) is not None
    return spelled_dot or not _is_plain_at(at) or not _names_a_website(local, domain)


def _names_a_website(word: str, domain: str) -> bool:
    """ "look at nhs.uk", "ACA at HealthCare.gov", "trials at ClinicalTrials.gov": a place to
    read, not a mailbox (an ordinary word or an acronym before it, a brand-cased domain)."""
    return (
        word.lower() in _NOT_A_MAILBOX
        or (len(word) > 1 and word.isupper())
        or re.search(r"[a-z][A-Z]", domain) is not None
    )


def _email_findings(text: str) -> list[Finding]:
    """Look around each at-sign or spelled "at" whose right side reads as a domain (a scan of
    the whole text for local parts would cost a long post several milliseconds)."""
    found, covered_until = [], 0
    for token in _AT_TOKEN.finditer(text):
        domain = _DOMAIN_AFTER_AT.match(text, token.end())
        if domain is None or token.start() < covered_until:
            continue
        position = max(covered_until, token.start() - _LOCAL_REACH)
        end = min(len(text), domain.end() + 2)
        while match := EMAIL.search(text, position, end):
            if _is_email(match):
                found.append(Finding("email", " ".join(match.group().split())))
                position = covered_until = match.end()
            else:  # "write to me at jane@example.com": try again from the next word
                position = match.start() + 1
    lowered = text.lower()
    if not any(host in lowered for host in WEBMAIL_HOSTS):
        return found
    covered = {finding.text for finding in found}
    for match in WEBMAIL.finditer(text):
        if not any(match.group() in seen for seen in covered):
            found.append(Finding("email", " ".join(match.group().split())))
    return found


# --- Phone numbers --------------------------------------------------------------------------

_LETTER_O_IN_DIGITS = re.compile(r"(?<![\w])(?=[\dOo]*\d[\dOo]*\d)[\dOo]*[Oo][\dOo]*(?![\w])")
_LETTER_O_NEXT_TO_DIGIT = re.compile(r"[Oo]\d|\d[Oo]")
PHONE_RUN = re.compile(
    r"(?<![\w/.,+\-–^×])(?:\+[^\S\n]?)?\(?\d[\d\t ().\-–/·•∙⋅]{5,40}\d\)?(?![\w/^×]|[.,]\d)"
)
_NOT_AFTER = re.compile(
    r"[^\S\n]*(?:x\s*10\b|×|\^|%|‰|°|(?:mg|mcg|µg|μg|ug|ng|g|kg|ml|l|dl|iu|u|units?|mmol|"
    r"µmol|μmol|umol|nmol|pmol|meq|mm|cm|mmhg|bpm|copies|cells|times|years?|months?|weeks?|"
    r"days?|hours?|people|patients|cases|individuals|births|deaths|adults|children|women|"
    r"men)\b)",
    re.IGNORECASE,
)
_NOT_BEFORE = re.compile(
    r"(?:isbn|issn|pmid|pmcid|doi|icd(?:-\d+)?|nct|omim|mim|reference|ref|accession|lot|"
    r"batch)(?:\s*(?:number|no\.?))?[\s:#.]*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"\D+")
_DATE = r"(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2})"
_DATES = re.compile(rf"{_DATE}(?:\s*[-–/]\s*{_DATE}|\s+\d{{1,2}}[:.]\d{{2}})?")


def _separator_kind(separator: str) -> str:
    """Parentheses are neutral; otherwise a separator is one space, dot, dash or slash."""
    bare = separator.replace("(", "").replace(")", "").strip()
    if not bare:
        return "space" if separator.strip() == "" else "paren"
    kinds = {".": "dot", "·": "dot", "•": "dot", "∙": "dot", "⋅": "dot", "-": "dash", "–": "dash"}
    return {**kinds, "/": "slash"}.get(bare, "bad")


# Toll-free numbers belong to organisations (helplines), never to a private person.
_NANP_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})


def _is_toll_free(digits: str) -> bool:
    national = digits.removeprefix("00").removeprefix("1") if len(digits) > 10 else digits
    if len(national) == 10 and national[:3] in _NANP_TOLL_FREE:
        return True
    uk = digits.removeprefix("0044").removeprefix("44").removeprefix("0")
    return uk[:3] in ("800", "808") and len(uk) in (9, 10)


def _looks_like_phone(number: str) -> bool:
    groups = re.findall(r"\d+", number)
    digits = "".join(groups)
    if not 9 <= len(digits) <= 15 or _DATES.fullmatch(number.strip("() ")):
        return False
    if _is_toll_free(digits):
        return False
    separators = _SEPARATOR.findall(number.lstrip("+( ").rstrip(") "))
    kinds = [_separator_kind(separator) for separator in separators]
    if "bad" in kinds:
        return False
    for group, before in zip(groups[1:], separators, strict=False):
        if len(group) < 2 and not (group == "0" and "(" in before):
            return False  # decimals, lists and scores: "1.2 3.4", "5 11 5 21"
    later = {kind for kind in kinds[1:] if kind != "paren"}
    if len(later) > 1 and later != {"space", "dash"}:
        return False  # "12.34 56.78", "120/80 130/85"
    if len(groups) > 2 and all(group == "000" for group in groups[-2:]):
        return False  # "300 000 000 people"
    return True


def _phone_findings(text: str) -> list[Finding]:
    # Letter O written for zero ("O7700 9OO123") only inside runs that already hold digits.
    digits_text = text
    if _LETTER_O_NEXT_TO_DIGIT.search(text):
        digits_text = _LETTER_O_IN_DIGITS.sub(lambda m: re.sub("[Oo]", "0", m.group()), text)
    found = []
    for match in PHONE_RUN.finditer(digits_text):
        start, end = match.span()
        candidate = digits_text[start:end]
        if candidate.count("(") != candidate.count(")"):
            candidate = candidate.strip("()")
        if _NOT_AFTER.match(digits_text, end) or _NOT_BEFORE.search(
            digits_text, max(0, start - 12), start
        ):
            continue
        if _looks_like_phone(candidate.strip()):
            shown = text[start:end].strip()
            if shown.count("(") != shown.count(")"):
                shown = shown.strip("()").strip()
            found.append(Finding("phone", shown))
    return found


# --- Street addresses -----------------------------------------------------------------------

STREET_SUFFIXES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Boulevard|Blvd|Court|Ct|Way|Place|Pl|"
    "Terrace|Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Strasse|Straße|Gardens|Grove|"
    "Mews|Row|Circle|Cir"
)
_UNIT_BEFORE = re.compile(
    r"(?:Flat|Apartment|Apt\.?|Unit|Suite|Ste\.?)[^\S\n]+\d{1,4}[A-Za-z]?,?[^\S\n]+$"
)
_HOUSE = r"\b\d{1,5}[A-Za-z]?(?:[-–]\d{1,5}[A-Za-z]?)?,?[^\S\n]+"
_DIRECTION = r"(?:[^\S\n]+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
_TOWN = r"(?:[A-Z][a-z]+,?[^\S\n]+){0,2}"
_ZIP = rf",?[^\S\n]+{_TOWN}(?:[A-Z]{{2}}[^\S\n]+)?\d{{5}}(?:-\d{{4}})?\b"  # Springfield, IL 62704
_POSTCODE = rf",?[^\S\n]+{_TOWN}[A-Z]{{1,2}}\d[A-Z\d]?\s*\d[A-Z]{{2}}\b"  # London NW1 6XE
# A postcode or ZIP code counts only as part of a street address, never on its own.
_AFTER_STREET = rf"{_DIRECTION}(?:{_ZIP}|{_POSTCODE})?"
# Lower case only with an unmistakable street word and names that are not ordinary words
# ("a 2 hour drive", "low sex drive" stay clean). One pattern, so a long post is scanned once.
_LOWERCASE_SUFFIXES = "[sS]treet|[rR]oad|[aA]venue|[bB]oulevard|[cC]rescent|[tT]errace"
STREET_ADDRESS = re.compile(
    rf"{_HOUSE}(?:(?:[A-Z][\w'’-]+[^\S\n]+){{1,3}}(?:{STREET_SUFFIXES})\b\.?{_AFTER_STREET}"
    rf"|(?P<names>(?:[a-zA-Z][a-zA-Z'-]+[^\S\n]+){{1,2}})(?:{_LOWERCASE_SUFFIXES})\b)"
)
# Lower case only with an unmistakable street word and names that are not ordinary words
# ("a 2 hour drive", "low sex drive" stay clean).
_ORDINARY_WORDS = frozenset(
    "the a an of on in to my our your his her their this that down up along across over "
    "hour hours minute minutes mile miles km lane way and or for with from main side long "
    "toll dirt rocky bumpy busy".split()
)
PO_BOX = re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d{1,6}\b", re.IGNORECASE)


def _address_findings(text: str) -> list[Finding]:
    found = []
    for match in STREET_ADDRESS.finditer(text):
        names = match.group("names")
        if names is not None and set(names.lower().split()) & _ORDINARY_WORDS:
            continue
        unit = _UNIT_BEFORE.search(text, max(0, match.start() - 24), match.start())
        shown = text[unit.start() if unit else match.start() : match.end()]
        found.append(Finding("address", " ".join(shown.split())))
    if "box" in text.lower():
        found += [Finding("address", m.group()) for m in PO_BOX.finditer(text)]
    return found


# --- Links ----------------------------------------------------------------------------------

LINK = re.compile(r"\bhttps?://[^\s<>()\[\]]+|\bwww\.[^\s<>()\[\]]+", re.IGNORECASE)


def _link_findings(text: str) -> list[Finding]:
    if "://" not in text and "www." not in text.lower():
        return []
    return [Finding("link", m.group().rstrip(".,;:!?")) for m in LINK.finditer(text)]


def _target_findings(target: str, text: str, *, include_links: bool) -> list[Finding]:
    """What a link target says: the address of a mailto:/tel: link, and (for new members)
    a web address that the link text does not show."""
    target = normalize(unquote(normalize(target))).strip()
    scheme, _, rest = target.partition(":")
    scheme = scheme.lower()
    if scheme == "mailto":
        address = rest.split("?", 1)[0].strip()
        if not address:
            return []
        return _email_findings(address) or [Finding("email", address)]
    if scheme == "tel":
        return [Finding("phone", rest)] if rest else []
    findings = _email_findings(target)
    if include_links and scheme in ("http", "https"):
        bare = target.split("://", 1)[-1].rstrip("/")
        if bare not in text:
            findings.append(Finding("link", target))
    return findings


# --- The screen -----------------------------------------------------------------------------


def _unique(findings: list[Finding]) -> list[Finding]:
    unique: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.kind, finding.text), finding)
    return list(unique.values())


def _screen_normalized(text: str, *, include_links: bool) -> list[Finding]:
    findings = _email_findings(text) + _phone_findings(text) + _address_findings(text)
    if include_links:
        findings += _link_findings(text)
    return findings


def screen(text: str, *, include_links: bool) -> list[Finding]:
    """Everything in a plain-text field (a display name, a note) that should hold it for a
    moderator's look."""
    return _unique(_screen_normalized(normalize(text), include_links=include_links))


def screen_rendered(title: str, fragment: str, *, include_links: bool) -> list[Finding]:
    """Everything in rendered, sanitized content that should hold it for a moderator's look:
    the title, the text a reader sees, and the targets of its links."""
    body, targets = visible_parts(fragment)
    text = normalize(f"{title}\n{body}")
    findings = _screen_normalized(text, include_links=include_links)
    for target in targets:
        findings += _target_findings(target, text, include_links=include_links)
    return _unique(findings)
