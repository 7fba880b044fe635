"""Bank and branch codes checked against the Zengin bank master (the `zengin-code` package, a
copy of 全銀協's 金融機関コード・店舗コード, refreshed with its releases). Pure: no Flask, no database."""
from __future__ import annotations

from dataclasses import dataclass

from zengin_code import Bank

from invoicing.zengin import ZenginError, to_halfwidth_kana

NAME_WIDTH = 15  # bank and branch names in a Zengin record


@dataclass(frozen=True)
class BranchEntry:
    bank_code: str
    bank_name: str        # 三井住友
    bank_kana: str        # ﾐﾂｲｽﾐﾄﾓ (Zengin spelling, at most 15)
    branch_code: str
    branch_name: str      # 渋谷
    branch_kana: str      # ｼﾌﾞﾔ


def _kana(text: str) -> str:
    try:
        return to_halfwidth_kana(text)[:NAME_WIDTH]
    except ZenginError:
        return ""


def lookup(bank_code: str, branch_code: str) -> BranchEntry | None:
    bank = Bank.all.get(bank_code or "")
    branch = bank.branches.get(branch_code or "") if bank else None
    if branch is None:
        return None
    return BranchEntry(bank.code, bank.name, _kana(bank.kana), branch.code, branch.name, _kana(branch.kana))


def find_branch(bank_code: str, name_part: str) -> BranchEntry | None:
    """The first branch (by code) of a bank whose name contains `name_part`."""
    bank = Bank.all.get(bank_code)
    for code in sorted(bank.branches) if bank else ():
        if name_part in bank.branches[code].name:
            return lookup(bank_code, code)
    return None


def code_problem(bank_code: str, branch_code: str) -> str | None:
    """Why a bank and branch code pair is not in the bank master, or None."""
    if Bank.all.get(bank_code or "") is None:
        return f"銀行番号 {bank_code} は全銀の銀行マスタにありません"
    if lookup(bank_code, branch_code) is None:
        return f"支店番号 {bank_code}-{branch_code} は全銀の銀行マスタにありません"
    return None


def account_problems(bank_code: str, branch_code: str, bank_kana: str, branch_kana: str, whose: str) -> list[str]:
    """Why an account cannot be paid to or from, in Japanese: codes unknown to the bank master,
    or names that are not the master's (a bank refuses a transfer whose names do not match)."""
    problem = code_problem(bank_code, branch_code)
    if problem:
        return [f"{whose}: {problem}"]
    entry = lookup(bank_code, branch_code)
    problems = []
    if entry.bank_kana and _kana(bank_kana or "") != entry.bank_kana:
        problems.append(f"{whose}: 銀行名「{bank_kana}」が銀行マスタ（{entry.bank_name} {entry.bank_kana}）と一致しません")
    if entry.branch_kana and _kana(branch_kana or "") != entry.branch_kana:
        problems.append(f"{whose}: 支店名「{branch_kana}」が銀行マスタ（{entry.branch_name} {entry.branch_kana}）と"
                        "一致しません")
    return problems
