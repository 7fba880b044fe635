"""Qualified-invoice rules (適格請求書, インボイス制度).

An invoice lets the ward claim the input tax credit only when it states: the issuer's
name and registration number (T + 13 digits), the date, what was supplied (with a mark
on reduced-rate items), the totals and the consumption tax per rate, and the recipient.
The tax is rounded once per invoice per rate, never per line.

Rounding and the tax per rate live in `procure.money`.

Pure: stdlib and python-stdnum only (the check-digit rule is shared with
`procure.codes`, which is pure as well). No Flask, no database.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from procure.codes import CodeError, validate_invoice_registration_number
from procure.money import (  # noqa: F401  (re-exported: the invoice rules speak in these terms)
    NON_TAXABLE_CATEGORIES, REDUCED_RATE, REDUCED_RATE_MARK, ROUNDING_LABELS, ROUNDING_MODES, STANDARD_RATE,
    SUPPORTED_RATES, MoneyRuleError, TaxBucket, TaxLine, decimal_value, non_taxable_category, non_taxable_sums,
    percent, round_yen, rounding_mode, supported_rate, tax_on, tax_summary, yen,
)

# Dashes people type between digit groups; NFKC leaves all of these except the full-width one.
_DASHES = "-‐‑‒–—―−ー"


# An invoice rule is a money rule: the tax helpers below and in procure.money raise the same error.
InvoiceRuleError = MoneyRuleError


@dataclass(frozen=True)
class RuleViolation:
    field: str
    code: str
    message: str


def validate_registration_number(value) -> str:
    """'T' + 13 digits, normalised from what people type ('Ｔ１２３４-…', spaces, hyphens).

    The 13 digits are a corporate number whose first digit is a check digit
    (python-stdnum `stdnum.jp.cn`, through `procure.codes`).
    """
    text = unicodedata.normalize("NFKC", value or "")
    text = "".join(ch for ch in text if not ch.isspace() and ch not in _DASHES)
    if not text:
        raise InvoiceRuleError("registration_number",
                               "登録番号が記載されていません（T + 13桁の数字）",
                               "missing_registration_number")
    try:
        return validate_invoice_registration_number(text)
    except CodeError as error:
        raise InvoiceRuleError("registration_number", str(error),
                               "invalid_registration_number") from None


# --- the qualified invoice ----------------------------------------------------------------

def _optional_decimal(value, field: str):
    return None if value is None else decimal_value(value, field)


@dataclass
class InvoiceLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    rate: Decimal
    reduced_rate_mark: bool = False  # the ※ printed next to reduced-rate (8%) items
    category: str | None = None      # outside the tax (E 非課税, O 不課税, Z, G): rate 0, no tax

    def __post_init__(self):
        for name in ("quantity", "unit_price", "amount", "rate"):
            setattr(self, name, decimal_value(getattr(self, name), name))


@dataclass
class QualifiedInvoice:
    issuer_name: str
    registration_number: str
    issue_date: date | None
    recipient_name: str
    lines: list[InvoiceLine]
    stated_amount_by_rate: Mapping[Decimal, Decimal] = field(default_factory=dict)  # 税率ごとの合計
    stated_tax_by_rate: Mapping[Decimal, Decimal] = field(default_factory=dict)     # 税率ごとの消費税額
    stated_total: Decimal | None = None  # grand total including tax, when printed
    rounding: str = "down"               # the issuer's choice, applied once per rate
    prices_include_tax: bool = False
    stated_non_taxable: Mapping[str, Decimal] = field(default_factory=dict)  # 非課税・不課税等の合計, by category

    def __post_init__(self):
        self.stated_non_taxable = {code: decimal_value(amount, f"stated_non_taxable[{code}]")
                                   for code, amount in (self.stated_non_taxable or {}).items()}
        self.stated_amount_by_rate = _decimal_mapping(self.stated_amount_by_rate, "stated_amount_by_rate")
        self.stated_tax_by_rate = _decimal_mapping(self.stated_tax_by_rate, "stated_tax_by_rate")
        self.stated_total = _optional_decimal(self.stated_total, "stated_total")


def _decimal_mapping(mapping, name: str) -> dict[Decimal, Decimal]:
    return {decimal_value(rate, name): decimal_value(amount, f"{name}[{rate}]")
            for rate, amount in (mapping or {}).items()}


def check_qualified_invoice(invoice: QualifiedInvoice) -> list[RuleViolation]:
    """Every broken rule, each with the field it concerns and why. Empty means qualified."""
    return [*_check_parties(invoice), *_check_lines(invoice), *_check_totals(invoice)]


def _is_blank(text) -> bool:
    return not (text or "").strip()


def _check_parties(invoice: QualifiedInvoice) -> list[RuleViolation]:
    violations = []
    if _is_blank(invoice.issuer_name):
        violations.append(RuleViolation("issuer_name", "missing_issuer_name",
                                        "発行者（適格請求書発行事業者）の氏名または名称が記載されていません"))
    try:
        validate_registration_number(invoice.registration_number)
    except InvoiceRuleError as error:
        violations.append(RuleViolation(error.field, error.code, error.reason))
    if invoice.issue_date is None:
        violations.append(RuleViolation("issue_date", "missing_issue_date",
                                        "取引年月日（発行日）が記載されていません"))
    if _is_blank(invoice.recipient_name):
        violations.append(RuleViolation("recipient_name", "missing_recipient",
                                        "交付を受ける者（宛先）の氏名または名称が記載されていません"))
    return violations


def _check_lines(invoice: QualifiedInvoice) -> list[RuleViolation]:
    if not invoice.lines:
        return [RuleViolation("lines", "no_lines", "取引内容（明細）が1行もありません")]
    violations = []
    for index, line in enumerate(invoice.lines):
        violations += _check_line(index, line)
    return violations


def _check_line(index: int, line: InvoiceLine) -> list[RuleViolation]:
    where = f"lines[{index}]"
    row = f"{index + 1}行目"
    violations = []
    if _is_blank(line.description):
        violations.append(RuleViolation(f"{where}.description", "missing_description",
                                        f"{row}: 取引内容（品名）が記載されていません"))
    violations += _check_line_amount(where, row, line)
    if line.category is not None:
        return violations + _check_non_taxable_line(where, row, line)
    try:
        rate = supported_rate(line.rate, f"{where}.rate")
    except InvoiceRuleError as error:
        return violations + [RuleViolation(error.field, error.code, f"{row}: {error.reason}")]
    if rate == REDUCED_RATE and not line.reduced_rate_mark:
        violations.append(RuleViolation(
            f"{where}.reduced_rate_mark", "missing_reduced_rate_mark",
            f"{row}: 軽減税率（8%）の品目に軽減税率対象である旨の記号（{REDUCED_RATE_MARK}）がありません"))
    if rate == STANDARD_RATE and line.reduced_rate_mark:
        violations.append(RuleViolation(
            f"{where}.reduced_rate_mark", "unexpected_reduced_rate_mark",
            f"{row}: 標準税率（10%）の品目に軽減税率の記号（{REDUCED_RATE_MARK}）が付いています"))
    return violations


def _check_non_taxable_line(where: str, row: str, line: InvoiceLine) -> list[RuleViolation]:
    try:
        category = non_taxable_category(line.category, f"{where}.category")
    except InvoiceRuleError as error:
        return [RuleViolation(error.field, error.code, f"{row}: {error.reason}")]
    name = NON_TAXABLE_CATEGORIES[category]
    if line.rate != 0:
        return [RuleViolation(f"{where}.rate", "rate_on_non_taxable",
                              f"{row}: {name}の明細に税率 {percent(line.rate)} が付いています（税率は 0 です）")]
    if line.reduced_rate_mark:
        return [RuleViolation(f"{where}.reduced_rate_mark", "unexpected_reduced_rate_mark",
                              f"{row}: {name}の明細に軽減税率の記号（{REDUCED_RATE_MARK}）が付いています")]
    return []


def _check_line_amount(where: str, row: str, line: InvoiceLine) -> list[RuleViolation]:
    if line.amount != line.amount.to_integral_value():
        return [RuleViolation(f"{where}.amount", "amount_not_whole_yen",
                              f"{row}: 金額 {line.amount} は円単位の整数ではありません")]
    product = line.quantity * line.unit_price
    # A fractional unit price (12.5 yen) may leave a fraction; the line may round it to whole yen.
    if abs(line.amount - product) >= 1:
        return [RuleViolation(f"{where}.amount", "line_amount_mismatch",
                              f"{row}: 金額 {yen(line.amount)} が 数量 {line.quantity} × 単価 "
                              f"{line.unit_price} = {product:,} と一致しません")]
    return []


def _computable_lines(invoice: QualifiedInvoice) -> list[InvoiceLine]:
    """Lines the per-rate totals can be computed from (the others are reported already)."""
    return [line for line in invoice.lines if line.category is None
            and line.rate in SUPPORTED_RATES and line.amount == line.amount.to_integral_value()]


def _non_taxable_lines(invoice: QualifiedInvoice) -> list[InvoiceLine]:
    return [line for line in invoice.lines if line.category in NON_TAXABLE_CATEGORIES
            and line.amount == line.amount.to_integral_value()]


def _check_totals(invoice: QualifiedInvoice) -> list[RuleViolation]:
    try:
        rounding_mode(invoice.rounding)
    except InvoiceRuleError as error:
        return [RuleViolation(error.field, error.code, error.reason)]
    buckets = tax_summary(_computable_lines(invoice), invoice.rounding,
                          prices_include_tax=invoice.prices_include_tax)
    violations = _check_stated_rates(invoice, buckets)
    for rate, bucket in buckets.items():
        violations += _check_amount_for_rate(invoice, rate, bucket)
        violations += _check_tax_for_rate(invoice, rate, bucket)
    untaxed = non_taxable_sums((line.category, line.amount) for line in _non_taxable_lines(invoice))
    violations += _check_non_taxable(invoice, untaxed)
    violations += _check_grand_total(invoice, buckets, untaxed)
    return violations


def _check_non_taxable(invoice: QualifiedInvoice, sums: dict[str, Decimal]) -> list[RuleViolation]:
    """Each category outside the tax: its stated total is the sum of its lines."""
    violations = []
    for code in dict.fromkeys([*sums, *invoice.stated_non_taxable]):
        where = f"stated_non_taxable[{code}]"
        name = NON_TAXABLE_CATEGORIES.get(code, code)
        stated, lines = invoice.stated_non_taxable.get(code), sums.get(code, Decimal(0))
        if code not in NON_TAXABLE_CATEGORIES:
            violations.append(RuleViolation(where, "unsupported_category", f"税区分「{code}」には対応していません"))
        elif stated is None:
            violations.append(RuleViolation(where, "missing_non_taxable_amount", f"{name}の合計額が記載されていません"))
        elif stated != lines:
            violations.append(RuleViolation(where, "non_taxable_amount_mismatch",
                                            f"{name}の合計額が {yen(stated)} と記載されていますが、明細の合計は {yen(lines)} です"))
    return violations


def _check_stated_rates(invoice: QualifiedInvoice, buckets: dict) -> list[RuleViolation]:
    """A stated amount or tax for a rate no line carries (or no rate we know)."""
    violations = []
    for name, stated in (("stated_amount_by_rate", invoice.stated_amount_by_rate),
                         ("stated_tax_by_rate", invoice.stated_tax_by_rate)):
        for rate, amount in stated.items():
            if rate not in SUPPORTED_RATES:
                violations.append(RuleViolation(f"{name}[{rate}]", "unsupported_rate",
                                                f"税率 {rate} には対応していません（10% または 8% のみ）"))
            elif rate not in buckets and amount != 0:
                violations.append(RuleViolation(
                    f"{name}[{rate}]", "rate_without_lines",
                    f"{percent(rate)}対象の明細がないのに {yen(amount)} と記載されています"))
    return violations


def _check_amount_for_rate(invoice, rate: Decimal, bucket: TaxBucket) -> list[RuleViolation]:
    where = f"stated_amount_by_rate[{rate}]"
    kind = "税込" if invoice.prices_include_tax else "税抜"
    stated = invoice.stated_amount_by_rate.get(rate)
    if stated is None:
        return [RuleViolation(where, "missing_amount_for_rate",
                              f"{percent(rate)}対象の合計額（{kind}）が記載されていません")]
    if stated != bucket.taxable_amount:
        return [RuleViolation(where, "amount_by_rate_mismatch",
                              f"{percent(rate)}対象の合計額（{kind}）が {yen(stated)} と記載されていますが、"
                              f"明細の合計は {yen(bucket.taxable_amount)} です")]
    return []


def _check_tax_for_rate(invoice, rate: Decimal, bucket: TaxBucket) -> list[RuleViolation]:
    where = f"stated_tax_by_rate[{rate}]"
    stated = invoice.stated_tax_by_rate.get(rate)
    if stated is None:
        return [RuleViolation(where, "missing_tax_for_rate",
                              f"{percent(rate)}対象の消費税額が記載されていません")]
    if stated != bucket.tax:
        return [RuleViolation(
            where, "tax_by_rate_mismatch",
            f"{percent(rate)}対象の消費税額が {yen(stated)} と記載されていますが、税率ごとの合計 "
            f"{yen(bucket.taxable_amount)} から1回だけ端数処理（{ROUNDING_LABELS[invoice.rounding]}）"
            f"した額は {yen(bucket.tax)} です")]
    return []


def _check_grand_total(invoice: QualifiedInvoice, buckets: dict, untaxed: dict) -> list[RuleViolation]:
    if invoice.stated_total is None:
        return []
    expected = sum((bucket.amount_including_tax for bucket in buckets.values()), sum(untaxed.values(), Decimal(0)))
    if invoice.stated_total != expected:
        return [RuleViolation("stated_total", "total_mismatch",
                              f"請求金額（税込）が {yen(invoice.stated_total)} と記載されていますが、"
                              f"税率ごとの合計と消費税額{'、非課税等の合計' if untaxed else ''}から計算すると "
                              f"{yen(expected)} です")]
    return []


def credit_with_tax(invoiced: Mapping[Decimal, tuple[Decimal, Decimal]], credits: Mapping[Decimal, Decimal],
                    rounding: str = "down") -> Decimal:
    """What credit notes (赤伝) take off an invoice's tax-inclusive total. `invoiced`: per rate, the
    amount billed excluding tax and its tax; `credits`: per rate, the credited amount excluding tax.
    The tax is computed again, once per rate, on what is still billed, so the ward pays no tax on
    goods it returned: a credit of C at a rate removes C plus (tax before - tax after)."""
    total = Decimal(0)
    for rate, credit in credits.items():
        if not credit:
            continue
        amount, tax = invoiced.get(rate, (Decimal(0), Decimal(0)))
        if credit < 0 or credit > amount:
            raise MoneyRuleError("credit", f"{rate:.0%} の値引き {credit} 円が請求額（税抜 {amount} 円）の範囲外です",
                                 "credit_out_of_range")
        total += credit + tax - tax_on(amount - credit, rate, rounding)
    return total
