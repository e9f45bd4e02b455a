"""The UI's strings go through one i18n layer (ui/src/i18n) and German is complete.

No node needed: the checks read the TypeScript sources with regular expressions.
(a) every literal key of t("…") / msg("…") has an entry in the union of the German
    catalogs ui/src/i18n/de/*.ts;
(b) no user-visible English is left outside t(): JSX text children and the literal
    values of title=, placeholder=, aria-label=, alt= and label= in .tsx files.
The second check is a heuristic; ALLOWED lists the few texts that are not language
(brand names, units, symbols).
"""

from __future__ import annotations

import re
from pathlib import Path

UI_SRC = Path(__file__).resolve().parents[3] / "ui" / "src"
CATALOG_DIR = UI_SRC / "i18n" / "de"

# t("…"), t('…'), t(`…`) without ${} and msg(…): the first argument is the key.
_KEY = re.compile(
    r"""\b(?:t|msg)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`((?:[^`\\$]|\\.)*)`)\s*[,)]"""
)
# A catalog entry: a quoted key followed by a colon (string or plural-object value).
_ENTRY = re.compile(r"""^\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*:""", re.MULTILINE)

# JSX text: between a tag's closing ">" and the next "<" or "{", containing a letter.
_JSX_TEXT = re.compile(r">([^<>{}]*[A-Za-zÄÖÜäöüß][^<>{}]*)(?=[<{])")
# A user-facing prop given a template literal: its text outside ${…} must be language-free.
_PROPS = r"\b(title|placeholder|aria-label|alt|label)="
_PROP_TEMPLATE = re.compile(_PROPS + r"""\{`((?:[^`\\]|\\.)*)`\}""")
# A user-facing prop with a literal string value.
_PROP = re.compile(_PROPS + r"""(?:"([^"]*)"|\{\s*["'`]([^"'`$]*)["'`]\s*\})""")
# Literal strings that are a whole JSX child: {"Save"} or {cond ? "A" : "B"}.
_EXPR_LITERAL = re.compile(r"""[{?:]\s*"([^"\n]*[A-Za-z][^"\n]*)"\s*(?=[}:])""")

# Literals that are code, not text: class names, identifiers, colours, URLs, CSS.
_CODE_PROP = re.compile(r"(className|key|type|role|tone|status|name|mode|to|variant)=\{?$")
_NOT_TEXT = re.compile(r"[a-z0-9_\-]+( [a-z0-9_\-]+)*|[a-z][A-Za-z0-9]*|[#&/.].*|var\(.*")

# Texts that are not language: brand, symbols, units, format glue.
ALLOWED = {
    "Linewise",
    "Deutsch",
    "English",
    # ISO 22400 symbols are the same in every language
    "OEE",
    "NEE",
    "MTBF",
    "MTTR",
    "ISO",
    "PRU",
    "PQ",
    "GQ",
    "SQ",
    "RQ",
    "IP",
    "GP",
    "POT",
    "PDOT",
    "PBT",
    "APT",
    "ASUT",
    "ADET",
    "ADOT",
}


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def _sources(suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(
        p
        for p in UI_SRC.rglob("*")
        if p.suffix in suffixes
        and p.name != "api.gen.ts"
        and CATALOG_DIR not in p.parents
        and (UI_SRC / "i18n" / "en") not in p.parents
    )


def used_keys() -> dict[str, str]:
    """Each t()/msg() key with the first file that uses it."""
    keys: dict[str, str] = {}
    for path in _sources((".ts", ".tsx")):
        for m in _KEY.finditer(_strip_comments(path.read_text(encoding="utf-8"))):
            key = _unescape(next(g for g in m.groups() if g is not None))
            keys.setdefault(key, str(path.relative_to(UI_SRC)))
    return keys


def german_keys() -> set[str]:
    keys: set[str] = set()
    for path in sorted(CATALOG_DIR.glob("*.ts")):
        text = path.read_text(encoding="utf-8")
        for m in _ENTRY.finditer(text):
            keys.add(_unescape(next(g for g in m.groups() if g is not None)))
    return keys


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()), text, flags=re.DOTALL)
    return re.sub(r"(?m)^\s*//.*$|\{/\*.*?\*/\}", "", text)


def _is_language(s: str) -> bool:
    s = s.strip()
    if not s or s in ALLOWED:
        return False
    words = re.findall(r"[A-Za-zÄÖÜäöüß]{2,}", s)
    return bool(words) and not all(w in ALLOWED for w in words)


def untranslated() -> list[str]:
    found: list[str] = []
    for path in _sources((".tsx",)):
        text = _strip_comments(path.read_text(encoding="utf-8"))
        rel = path.relative_to(UI_SRC)
        for m in _JSX_TEXT.finditer(text):
            chunk = m.group(1)
            # generic type arguments and arrows (a => b, x > y) are code, not text
            if re.search(r"[;=()&|`!]| \? |\bconst\b|\breturn\b", chunk):
                continue
            if text[m.start() - 1] in "=-" or re.match(r"\s*[A-Za-z_]\w*(\.\w+)+", chunk):
                continue  # "=> Promise<…>", "a > b.c": code
            if _is_language(chunk):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{rel}:{line}: text {chunk.strip()!r}")
        for m in _PROP.finditer(text):
            value = m.group(2) if m.group(2) is not None else m.group(3)
            if value is not None and _is_language(value):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{rel}:{line}: {m.group(1)}={value!r}")
        for m in _PROP_TEMPLATE.finditer(text):
            outside = re.sub(r"\$\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}", " ", m.group(2))
            if _is_language(outside):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{rel}:{line}: {m.group(1)}=`{m.group(2)}`")
        for m in _EXPR_LITERAL.finditer(text):
            value = m.group(1)
            before = text[max(0, m.start() - 12) : m.start() + 1]
            # className={… ? "a" : "b"} and the like are not text
            if _CODE_PROP.search(before.rstrip("{?: ")):
                continue
            if _NOT_TEXT.fullmatch(value.strip()) or not _is_language(value):
                continue
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"{rel}:{line}: literal {value!r}")
    return found


def test_every_key_has_a_german_entry() -> None:
    missing = {k: f for k, f in used_keys().items() if k not in german_keys()}
    assert not missing, "no German entry for:\n" + "\n".join(
        f"  {f}: {k!r}" for k, f in sorted(missing.items(), key=lambda kv: kv[1])
    )


def test_no_user_visible_text_outside_t() -> None:
    found = untranslated()
    assert not found, f"{len(found)} texts not wrapped in t():\n" + "\n".join(found)


def test_the_checks_see_keys_at_all() -> None:
    """Guard against a regex that silently matches nothing."""
    assert len(used_keys()) > 100
    assert len(german_keys()) > 100
