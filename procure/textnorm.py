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
