"""Normalising what Japanese users type: full-width digits, separators, units."""
import unicodedata
from decimal import Decimal, InvalidOperation


def normalize_number_text(text: str) -> str:
    """'１，２３４円' -> '1234': NFKC, then drop thousands separators, spaces and the yen sign."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    for noise in (",", " ", "円", "¥", "\\"):
        text = text.replace(noise, "")
    return text


def parse_decimal(text) -> Decimal:
    """Exact Decimal from user text; raises ValueError with a Japanese reason."""
    if isinstance(text, Decimal):
        return text
    if isinstance(text, bool) or text is None:
        raise ValueError("数値を入力してください")
    if isinstance(text, (int, float)):
        text = repr(text) if isinstance(text, float) else str(text)
    cleaned = normalize_number_text(str(text))
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"「{text}」は数値ではありません") from None
    if not value.is_finite():
        raise ValueError(f"「{text}」は数値ではありません")
    return value


def parse_int(text, label: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """Whole number from user text ('１２' ok); ValueError naming the field otherwise."""
    try:
        value = parse_decimal(text)
    except ValueError:
        raise ValueError(f"{label}: 整数を入力してください（{text}）") from None
    if value != value.to_integral_value():
        raise ValueError(f"{label}: 整数を入力してください（{text}）")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ValueError(f"{label}: {minimum} 以上にしてください")
    if maximum is not None and number > maximum:
        raise ValueError(f"{label}: {maximum:,} 以下にしてください")
    return number


def parse_date(text, label: str):
    """'2026-04-01', '2026/4/1', '２０２６年４月１日' -> date; ValueError naming the field."""
    import re
    from datetime import date

    cleaned = unicodedata.normalize("NFKC", str(text or "")).strip()
    match = re.fullmatch(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?", cleaned)
    try:
        if not match:
            raise ValueError
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(f"{label}: 日付を YYYY-MM-DD で入力してください（{text}）") from None
