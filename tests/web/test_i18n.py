"""Chinese by default, English on the switch: every Chinese text of the pages has its English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import web
from web import i18n
from web.messages import EN

WEB = Path(web.__file__).parent
CJK = re.compile(r"[\u4e00-\u9fff]")
TEMPLATE_TEXT = re.compile(r"""_\(\s*(?:"([^"]+)"|'([^']+)')""")


def chinese_texts() -> set[str]:
    texts: set[str] = set()
    for template in (WEB / "templates").rglob("*.html"):
        for match in TEMPLATE_TEXT.finditer(template.read_text()):
            text = match.group(1) or match.group(2)
            if CJK.search(text):
                texts.add(text)
    for module in WEB.rglob("*.py"):
        if module.name == "messages.py":
            continue
        tree = ast.parse(module.read_text())
        docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value):
                if "\n" not in node.value:
                    texts.add(node.value)
    return texts


def test_every_chinese_text_of_the_pages_has_an_english_translation() -> None:
    missing = sorted(text for text in chinese_texts() if text not in EN)
    assert not missing, "no English for: " + " | ".join(missing)


def test_translations_keep_their_placeholders() -> None:
    for zh, en in EN.items():
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), zh


def test_money_is_shown_in_yuan_from_integer_fen() -> None:
    assert i18n.money(123456789) == "¥1,234,567.89"
    assert i18n.money(5) == "¥0.05"
    assert i18n.money(None) == "—"


def test_typed_yuan_amounts_become_fen_without_floats() -> None:
    assert i18n.yuan_to_fen("400000") == 40_000_000
    assert i18n.yuan_to_fen("1,234.5") == 123_450
    assert i18n.yuan_to_fen("0.07") == 7
    assert i18n.yuan_to_fen("12.345") is None
    assert i18n.yuan_to_fen("-5") is None
    assert i18n.yuan_to_fen("abc") is None


def test_instants_are_shown_in_shanghai_time() -> None:
    assert i18n.local_time("2026-11-28T01:30:00+00:00") == "2026-11-28 09:30"


async def test_pages_are_chinese_by_default_and_english_after_the_switch(web) -> None:
    page = await web.get("/login")
    assert 'lang="zh-CN"' in page.text and "密码" in page.text
    switched = await web.get("/lang/en?next=/login", follow_redirects=True)
    assert 'lang="en"' in switched.text and "Password" in switched.text and "密码" not in switched.text


async def test_the_language_switch_only_returns_to_this_site(web) -> None:
    response = await web.get("/lang/en?next=//evil.example/")
    assert response.headers["location"] == "/"
