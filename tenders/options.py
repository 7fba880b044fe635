"""Option tiers of a spec pattern (pure): written by the office as「区分:コード=名称」, e.g.
「メモリ:mem16=16GB, メモリ:mem32=32GB, office=Office」. Options of one group (メモリ) are tiers: a
demand line takes at most one of them; options without a group are chosen freely."""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[,、，]")


def parse(text: str) -> tuple[list[dict], list[str]]:
    """The options and every problem with the text (which entry, why)."""
    options, problems, seen = [], [], set()
    for index, part in enumerate((p.strip() for p in _SEPARATORS.split(text or "")), start=1):
        if not part:
            continue
        head, sep, name = part.replace("＝", "=").partition("=")
        group, colon, code = head.replace("：", ":").rpartition(":")
        code, name, group = code.strip(), name.strip(), group.strip()
        if not sep or not code or not name:
            problems.append(f"オプション {index} 番目「{part}」: 「コード=名称」（区分があれば「区分:コード=名称」）で書いてください")
        elif not re.fullmatch(r"[A-Za-z0-9_.-]{1,20}", code):
            problems.append(f"オプション {index} 番目: コード「{code}」は半角英数字 20 文字以内にしてください")
        elif code in seen:
            problems.append(f"オプション {index} 番目: コード「{code}」が重複しています")
        else:
            seen.add(code)
            options.append({"code": code, "name": name[:100], **({"group": group[:40]} if group else {})})
    return options, problems


def groups(options: list[dict]) -> dict[str, list[dict]]:
    """Tiered options by group, in the order written."""
    found: dict[str, list[dict]] = {}
    for option in options:
        if option.get("group"):
            found.setdefault(option["group"], []).append(option)
    return found


def choice_problems(options: list[dict], chosen: list[str]) -> list[str]:
    """Unknown codes, and more than one tier of a group."""
    known = {o["code"]: o for o in options}
    problems = [f"オプション {code} はこのパターンにありません" for code in sorted(set(chosen) - set(known))]
    for group, tiers in groups(options).items():
        picked = [o["name"] for o in tiers if o["code"] in chosen]
        if len(picked) > 1:
            problems.append(f"{group} は1つだけ選んでください（{'、'.join(picked)}）")
    return problems
