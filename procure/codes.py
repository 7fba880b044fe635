"""Check digits of Japanese public identifiers (pure functions)."""
import unicodedata

from stdnum.jp import cn as corporate_number


class CodeError(ValueError):
    pass


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII) and drop spaces and hyphens."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if ch not in " -\u3000\t")


def local_government_code_check_digit(first_five: str) -> str:
    """全国地方公共団体コード: weights 6..2, check digit = last digit of (11 - sum mod 11)."""
    if len(first_five) != 5 or not first_five.isdigit():
        raise CodeError("団体コードの先頭5桁は数字5桁です")
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2)))
    return str((11 - total % 11) % 10)


def validate_local_government_code(code: str) -> str:
    code = normalize(code)
    if len(code) != 6 or not code.isdigit():
        raise CodeError(f"団体コード {code!r} は6桁の数字ではありません")
    if local_government_code_check_digit(code[:5]) != code[5]:
        raise CodeError(f"団体コード {code} の検査数字が一致しません")
    return code


def validate_corporate_number(value: str) -> str:
    """法人番号: 13 digits whose first digit is a mod-9 check digit."""
    number = normalize(value)
    if len(number) != 13 or not number.isdigit():
        raise CodeError("法人番号は13桁の数字です")
    if not corporate_number.is_valid(number):
        raise CodeError(f"法人番号 {number} の検査数字が一致しません")
    return number


def validate_invoice_registration_number(value: str) -> str:
    """適格請求書発行事業者登録番号: 'T' + 13 digits with the corporate-number check digit."""
    text = normalize(value).upper()
    if not text.startswith("T"):
        raise CodeError("登録番号は T で始まります（T + 13桁）")
    digits = text[1:]
    if len(digits) != 13 or not digits.isdigit():
        raise CodeError("登録番号は T に続く13桁の数字です")
    if not corporate_number.is_valid(digits):
        raise CodeError(f"登録番号 T{digits} の検査数字が一致しません")
    return "T" + digits


def local_government_corporate_number(code: str) -> str:
    """法人番号 of a local government: its 団体コード after 000020, with the mod-9 check digit in
    front (東京都 130001 -> 8000020130001)."""
    base = "000020" + validate_local_government_code(code)
    return corporate_number.calc_check_digit(base) + base


def local_government_code_of(number: str) -> str | None:
    """The 団体コード inside a local government's 法人番号; None for any other 法人番号."""
    number = normalize(number)
    if len(number) != 13 or not number.isdigit() or number[1:7] != "000020" or not corporate_number.is_valid(number):
        return None
    return number[7:]
