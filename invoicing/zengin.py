"""全銀協 総合振込 (general transfer) files: the fixed-length format banks take for bulk payments.

A file is one header record (data type 1), one data record per transfer (2), a trailer with
the count and the total (8) and an end record (9). Every record is exactly 120 bytes of
JIS X 0201 text (CP932 here: half-width katakana are single bytes); records are separated by CRLF.
Names must use the Zengin character set: half-width katakana, A-Z, 0-9, space and ( ) - . / , ｢ ｣.

One header/trailer group per file; files mixing several requesters are not built here.
Pure: stdlib only.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

RECORD_LENGTH = 120
ENCODING = "cp932"
RECORD_SEPARATOR = b"\r\n"

GENERAL_TRANSFER = "21"  # 種別コード: 総合振込
CODE_DIVISION_JIS = "0"  # コード区分: JIS (SJIS); "1" would be EBCDIC
ACCOUNT_TYPES = {"1": "普通", "2": "当座", "4": "貯蓄", "9": "その他"}
NEW_CODES = {"0": "その他", "1": "第1回振込分", "2": "変更分"}
TRANSFER_METHODS = {"": "指定なし", "7": "テレ振込", "8": "文書振込"}  # 振込指定区分
EDI_MARK = "Y"  # 識別表示: the two customer-code fields carry 20 characters of EDI information

MAX_AMOUNT = Decimal(9_999_999_999)   # 振込金額: 10 digits
MAX_TOTAL = Decimal(999_999_999_999)  # 合計金額: 12 digits
MAX_COUNT = 999_999                   # 合計件数: 6 digits

HEADER_LAYOUT = (
    ("data_type", 1), ("type_code", 2), ("code_division", 1), ("requester_code", 10),
    ("requester_name", 40), ("transfer_date", 4), ("bank_code", 4), ("bank_name", 15),
    ("branch_code", 3), ("branch_name", 15), ("account_type", 1), ("account_number", 7),
    ("dummy", 17),
)
DATA_LAYOUT = (
    ("data_type", 1), ("bank_code", 4), ("bank_name", 15), ("branch_code", 3),
    ("branch_name", 15), ("clearing_house_code", 4), ("account_type", 1), ("account_number", 7),
    ("recipient_name", 30), ("amount", 10), ("new_code", 1), ("customer_code1", 10),
    ("customer_code2", 10), ("transfer_method", 1), ("identification", 1), ("dummy", 7),
)
TRAILER_LAYOUT = (("data_type", 1), ("record_count", 6), ("total_amount", 12), ("dummy", 101))
END_LAYOUT = (("data_type", 1), ("dummy", 119))
LAYOUTS = {"1": HEADER_LAYOUT, "2": DATA_LAYOUT, "8": TRAILER_LAYOUT, "9": END_LAYOUT}

for _data_type, _layout in LAYOUTS.items():
    if sum(width for _, width in _layout) != RECORD_LENGTH:  # a typo here would corrupt every file
        raise AssertionError(f"record type {_data_type} is not {RECORD_LENGTH} bytes")

FIELD_LABELS = {
    "type_code": "種別コード", "code_division": "コード区分", "requester_code": "依頼人コード",
    "requester_name": "依頼人名", "transfer_date": "取組日", "bank_code": "銀行番号",
    "bank_name": "銀行名", "branch_code": "支店番号", "branch_name": "支店名",
    "account_type": "預金種目", "account_number": "口座番号", "clearing_house_code": "手形交換所番号",
    "recipient_name": "受取人名", "amount": "振込金額", "new_code": "新規コード",
    "customer_code1": "顧客コード1", "customer_code2": "顧客コード2", "edi_info": "EDI情報",
    "transfer_method": "振込指定区分", "identification": "識別表示", "transfers": "振込データ",
    "record_count": "合計件数", "total_amount": "合計金額", "record": "レコード",
}


class ZenginError(ValueError):
    """A value cannot go into a Zengin file. `row` is the 1-based transfer (when building)
    or record (when parsing) it belongs to; None for the header and the file as a whole."""

    def __init__(self, field: str, reason: str, row: int | None = None):
        label = FIELD_LABELS.get(field, field)
        where = f"{row}件目 " if row is not None else ""
        super().__init__(f"{where}{label}（{field}）: {reason}")
        self.field = field
        self.reason = reason
        self.row = row


# --- the character set --------------------------------------------------------------------

ZENGIN_CHARACTERS = frozenset(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ()-./,｢｣"
    + "".join(chr(code) for code in range(0xFF71, 0xFFA0))  # ｱ..ﾝ, ﾞ, ﾟ (no small kana, no ｦ, no ｰ)
)


def _halfwidth_katakana_table() -> dict[str, str]:
    """Full-width katakana (and the combining voicing marks) -> half-width, NFKC in reverse."""
    return {unicodedata.normalize("NFKC", chr(code)): chr(code) for code in range(0xFF61, 0xFFA0)}


_HALFWIDTH = _halfwidth_katakana_table()
# Banks take no small kana, no ヲ/ヰ/ヱ and no long vowel mark; these are the usual stand-ins.
_SUBSTITUTES = str.maketrans({
    **dict(zip("ァィゥェォッャュョヮヵヶヰヱヲ", "アイウエオツヤユヨワカケイエオ")),
    **{dash: "-" for dash in "ー‐‑‒–—―−"},
    "・": ".", "、": ",", "。": ".", "「": "｢", "」": "｣",
})
_HIRAGANA = range(0x3041, 0x3097)
_HIRAGANA_TO_KATAKANA = 0x60

# 法人略語 (Zengin abbreviations for the kind of legal entity), longest first so that
# 一般社団法人 wins over 社団法人. Written in full-width katakana; converted like the rest.
_LEGAL_ENTITIES = sorted({
    "株式会社": "カ", "(株)": "カ", "有限会社": "ユ", "(有)": "ユ", "合名会社": "メ", "(名)": "メ",
    "合資会社": "シ", "(資)": "シ", "合同会社": "ド", "(同)": "ド", "医療法人": "イ",
    "一般社団法人": "シヤ", "公益社団法人": "シヤ", "社団法人": "シヤ", "(社)": "シヤ",
    "一般財団法人": "ザイ", "公益財団法人": "ザイ", "財団法人": "ザイ", "(財)": "ザイ",
    "学校法人": "ガク", "社会福祉法人": "フク", "宗教法人": "シユウ",
    "特定非営利活動法人": "トクヒ", "独立行政法人": "ドク",
}.items(), key=lambda item: -len(item[0]))


def _abbreviate_legal_entities(text: str) -> str:
    """株式会社ヤマダ -> カ)ヤマダ, ヤマダ株式会社 -> ヤマダ(カ, ヤマダ株式会社東京 -> ヤマダ(カ)東京."""
    for words, abbreviation in _LEGAL_ENTITIES:
        while (start := text.find(words)) >= 0:
            before, after = text[:start].rstrip(), text[start + len(words):].lstrip()
            if not before:
                text = f"{abbreviation}){after}"
            elif not after:
                text = f"{before}({abbreviation}"
            else:
                text = f"{before}({abbreviation}){after}"
    return text


def _halfwidth_char(char: str) -> str | None:
    """The Zengin spelling of one (NFKC) character, or None when it has none (kanji, '&' ...)."""
    if ord(char) in _HIRAGANA:
        char = chr(ord(char) + _HIRAGANA_TO_KATAKANA)
    char = char.translate(_SUBSTITUTES)
    if char.isascii():
        char = char.upper()
    # NFD splits ガ into カ + combining ゛, which the table turns into ｶﾞ.
    result = "".join(_HALFWIDTH.get(part, part) for part in unicodedata.normalize("NFD", char))
    return result if all(c in ZENGIN_CHARACTERS for c in result) else None


def to_halfwidth_kana(name: str, field: str = "name", row: int | None = None) -> str:
    """Zengin spelling of a name: full-width or half-width katakana, hiragana, digits and Latin
    letters, long vowel marks, parentheses and legal-entity words (株式会社, ㈱ ...).

    Raises ZenginError naming the field for what has no Zengin spelling, e.g. kanji.
    """
    text = unicodedata.normalize("NFKC", name or "")  # full-width ASCII, ㈱ -> (株), ｶﾞ -> ガ
    text = " ".join(_abbreviate_legal_entities(text).split())
    converted = []
    for char in text:
        halfwidth = _halfwidth_char(char)
        if halfwidth is None:
            raise ZenginError(field, f"「{char}」は全銀フォーマットで使えない文字です"
                                     "（漢字はカナで、記号は ( ) - . / , で入力してください）", row)
        converted.append(halfwidth)
    return "".join(converted)


# --- what goes into a file ----------------------------------------------------------------

@dataclass(kw_only=True)
class TransferHeader:
    """The payer: the ward's account at the paying bank (仕向銀行)."""
    requester_code: str  # 依頼人コード: 10 digits assigned by the bank
    requester_name: str
    transfer_date: date  # 取組日: only MMDD goes into the file
    bank_code: str
    bank_name: str = ""
    branch_code: str
    branch_name: str = ""
    account_type: str = "1"
    account_number: str
    type_code: str = GENERAL_TRANSFER
    code_division: str = CODE_DIVISION_JIS


@dataclass(kw_only=True)
class Transfer:
    """One payment to one account at the receiving bank (被仕向銀行)."""
    bank_code: str
    bank_name: str = ""
    branch_code: str
    branch_name: str = ""
    account_type: str = "1"
    account_number: str
    recipient_name: str
    amount: Decimal
    clearing_house_code: str = "0000"  # 手形交換所番号: zeros (no clearing house since 2022)
    new_code: str = "0"
    customer_code1: str = ""
    customer_code2: str = ""
    edi_info: str = ""  # e.g. the invoice number, shown to the vendor; excludes customer codes
    transfer_method: str = ""


@dataclass
class TransferFile:
    header: TransferHeader
    transfers: list[Transfer] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        return len(self.transfers)

    @property
    def total_amount(self) -> Decimal:
        return sum((transfer.amount for transfer in self.transfers), Decimal(0))


# --- field formatting ---------------------------------------------------------------------

def _digits(value, field: str, row: int | None) -> str:
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    if text and not (text.isascii() and text.isdigit()):
        raise ZenginError(field, f"「{value}」は数字ではありません", row)
    return text


def _exact_number(value, width: int, field: str, row: int | None) -> str:
    text = _digits(value, field, row)
    if len(text) != width:
        raise ZenginError(field, f"{width}桁の数字が必要です（「{value}」）", row)
    return text


def _number(value, width: int, field: str, row: int | None, blank_allowed: bool = False) -> str:
    """Right-aligned, zero-filled; a blank optional number stays spaces."""
    text = _digits(value, field, row)
    if not text:
        if blank_allowed:
            return " " * width
        raise ZenginError(field, "入力されていません", row)
    if len(text) > width:
        raise ZenginError(field, f"{width}桁を超えています（「{value}」）", row)
    return text.zfill(width)


def _text(value, width: int, field: str, row: int | None, required: bool = False) -> str:
    """Left-aligned, space-padded Zengin text. Too long is an error: silently cutting a
    recipient's name can make the bank reject or misroute the payment."""
    text = to_halfwidth_kana(value, field, row)
    if required and not text:
        raise ZenginError(field, "入力されていません", row)
    if len(text) > width:
        raise ZenginError(field, f"半角{width}文字を超えています（{len(text)}文字: {text}）", row)
    return text.ljust(width)


def _code(value, allowed: dict, field: str, row: int | None) -> str:
    text = (value or "").strip()
    if text not in allowed:
        choices = ", ".join(f"{code or '空欄'}={label}" for code, label in allowed.items())
        raise ZenginError(field, f"「{value}」は使えません（{choices}）", row)
    return text or " "


def _amount(value, row: int | None) -> str:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise ZenginError("amount", f"金額は Decimal で指定してください（{type(value).__name__} は不可）", row)
    amount = Decimal(value)
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise ZenginError("amount", f"{value} は円単位の整数ではありません", row)
    if amount <= 0:
        raise ZenginError("amount", f"{amount} 円: 振込金額は1円以上です", row)
    if amount > MAX_AMOUNT:
        raise ZenginError("amount", f"{amount:,} 円: 10桁（{MAX_AMOUNT:,} 円）を超えています", row)
    return str(int(amount)).zfill(10)


def _record(layout, values: dict[str, str]) -> bytes:
    parts = []
    for name, width in layout:
        value = values.get(name, " " * width)  # dummy fields are spaces
        if len(value) != width:
            raise AssertionError(f"{name} formatted to {len(value)} characters, not {width}")
        parts.append(value)
    record = "".join(parts).encode(ENCODING)
    if len(record) != RECORD_LENGTH:  # every Zengin character is one byte in CP932
        raise AssertionError(f"record is {len(record)} bytes")
    return record


# --- records ------------------------------------------------------------------------------

def _header_record(header: TransferHeader) -> bytes:
    if header.type_code != GENERAL_TRANSFER:
        raise ZenginError("type_code", f"「{header.type_code}」: 総合振込（21）のみ作成できます")
    if header.code_division != CODE_DIVISION_JIS:
        raise ZenginError("code_division", "JIS（0）のみ作成できます")
    return _record(HEADER_LAYOUT, {
        "data_type": "1",
        "type_code": header.type_code,
        "code_division": header.code_division,
        "requester_code": _exact_number(header.requester_code, 10, "requester_code", None),
        "requester_name": _text(header.requester_name, 40, "requester_name", None, required=True),
        "transfer_date": f"{header.transfer_date:%m%d}",
        "bank_code": _exact_number(header.bank_code, 4, "bank_code", None),
        "bank_name": _text(header.bank_name, 15, "bank_name", None),
        "branch_code": _exact_number(header.branch_code, 3, "branch_code", None),
        "branch_name": _text(header.branch_name, 15, "branch_name", None),
        "account_type": _code(header.account_type, ACCOUNT_TYPES, "account_type", None),
        "account_number": _number(header.account_number, 7, "account_number", None),
    })


def _customer_codes(transfer: Transfer, row: int) -> dict[str, str]:
    """The 20 characters after the amount: two customer codes, or EDI information."""
    if not transfer.edi_info:
        return {"customer_code1": _number(transfer.customer_code1, 10, "customer_code1", row, True),
                "customer_code2": _number(transfer.customer_code2, 10, "customer_code2", row, True),
                "identification": " "}
    if transfer.customer_code1 or transfer.customer_code2:
        raise ZenginError("edi_info", "顧客コードとEDI情報は同時に指定できません", row)
    edi = _text(transfer.edi_info, 20, "edi_info", row)
    return {"customer_code1": edi[:10], "customer_code2": edi[10:], "identification": EDI_MARK}


def _data_record(transfer: Transfer, row: int) -> bytes:
    return _record(DATA_LAYOUT, {
        "data_type": "2",
        "bank_code": _exact_number(transfer.bank_code, 4, "bank_code", row),
        "bank_name": _text(transfer.bank_name, 15, "bank_name", row),
        "branch_code": _exact_number(transfer.branch_code, 3, "branch_code", row),
        "branch_name": _text(transfer.branch_name, 15, "branch_name", row),
        "clearing_house_code": _number(transfer.clearing_house_code, 4, "clearing_house_code", row, True),
        "account_type": _code(transfer.account_type, ACCOUNT_TYPES, "account_type", row),
        "account_number": _number(transfer.account_number, 7, "account_number", row),
        "recipient_name": _text(transfer.recipient_name, 30, "recipient_name", row, required=True),
        "amount": _amount(transfer.amount, row),
        "new_code": _code(transfer.new_code, NEW_CODES, "new_code", row),
        **_customer_codes(transfer, row),
        "transfer_method": _code(transfer.transfer_method, TRANSFER_METHODS, "transfer_method", row),
    })


def _trailer_record(count: int, total: Decimal) -> bytes:
    if count > MAX_COUNT:
        raise ZenginError("record_count", f"{count:,} 件: 1ファイル {MAX_COUNT:,} 件までです")
    if total > MAX_TOTAL:
        raise ZenginError("total_amount", f"{total:,} 円: 12桁を超えています")
    return _record(TRAILER_LAYOUT, {"data_type": "8", "record_count": str(count).zfill(6),
                                    "total_amount": str(int(total)).zfill(12)})


def _end_record() -> bytes:
    return _record(END_LAYOUT, {"data_type": "9"})


def build_transfer_file(header: TransferHeader, transfers: list[Transfer]) -> bytes:
    """The 総合振込 file: header, one data record per transfer, trailer, end; CRLF after each."""
    if not transfers:
        raise ZenginError("transfers", "振込データが1件もありません")
    data_records = [_data_record(transfer, row) for row, transfer in enumerate(transfers, start=1)]
    total = sum((Decimal(transfer.amount) for transfer in transfers), Decimal(0))
    records = [_header_record(header), *data_records,
               _trailer_record(len(transfers), total), _end_record()]
    return b"".join(record + RECORD_SEPARATOR for record in records)


# --- reading a file back ------------------------------------------------------------------

def _split_records(data: bytes) -> list[bytes]:
    """CRLF-separated records, or the same records run together without separators."""
    if RECORD_SEPARATOR in data:
        records = data.split(RECORD_SEPARATOR)
        if records and records[-1] == b"":
            records.pop()
    else:
        records = [data[start:start + RECORD_LENGTH] for start in range(0, len(data), RECORD_LENGTH)]
    for number, record in enumerate(records, start=1):
        if len(record) != RECORD_LENGTH:
            raise ZenginError("record", f"{len(record)} バイトです（{RECORD_LENGTH} バイト固定）", number)
    return records


def _fields(record: bytes, number: int) -> dict[str, str]:
    layout = LAYOUTS.get(record[:1].decode("ascii", "replace"))
    if layout is None:
        raise ZenginError("record", f"データ区分「{record[:1]!r}」は 1, 2, 8, 9 のいずれでもありません", number)
    values, start = {}, 0
    for name, width in layout:
        chunk = record[start:start + width]
        try:
            values[name] = chunk.decode(ENCODING)
        except UnicodeDecodeError:
            raise ZenginError(name, f"{ENCODING} として読めません: {chunk!r}", number) from None
        start += width
    return values


def _check_order(data_types: list[str]) -> None:
    """Header first, then data records, then trailer and end."""
    if len(data_types) < 3 or data_types[0] != "1" or data_types[-2:] != ["8", "9"]:
        raise ZenginError("record", "ヘッダー(1)・データ(2)・トレーラー(8)・エンド(9) の順になっていません")
    for number, data_type in enumerate(data_types[1:-2], start=2):
        if data_type != "2":
            raise ZenginError("record", f"データレコード(2)の位置にデータ区分 {data_type} があります", number)


def _parse_header(values: dict[str, str], year: int) -> TransferHeader:
    mmdd = values["transfer_date"]
    try:
        transfer_date = date(year, int(mmdd[:2]), int(mmdd[2:]))
    except ValueError:
        raise ZenginError("transfer_date", f"「{mmdd}」は {year} 年の日付ではありません", 1) from None
    return TransferHeader(
        requester_code=values["requester_code"], requester_name=values["requester_name"].rstrip(),
        transfer_date=transfer_date, bank_code=values["bank_code"],
        bank_name=values["bank_name"].rstrip(), branch_code=values["branch_code"],
        branch_name=values["branch_name"].rstrip(), account_type=values["account_type"],
        account_number=values["account_number"], type_code=values["type_code"],
        code_division=values["code_division"])


def _parse_transfer(values: dict[str, str], number: int) -> Transfer:
    if not values["amount"].isdigit():
        raise ZenginError("amount", f"「{values['amount']}」は数字ではありません", number)
    edi = values["identification"] == EDI_MARK
    codes = values["customer_code1"] + values["customer_code2"]
    return Transfer(
        bank_code=values["bank_code"], bank_name=values["bank_name"].rstrip(),
        branch_code=values["branch_code"], branch_name=values["branch_name"].rstrip(),
        clearing_house_code=values["clearing_house_code"].strip(),
        account_type=values["account_type"], account_number=values["account_number"],
        recipient_name=values["recipient_name"].rstrip(), amount=Decimal(values["amount"]),
        new_code=values["new_code"],
        customer_code1="" if edi else values["customer_code1"].strip(),
        customer_code2="" if edi else values["customer_code2"].strip(),
        edi_info=codes.rstrip() if edi else "",
        transfer_method=values["transfer_method"].strip())


def _parse_trailer_number(values: dict[str, str], name: str, number: int) -> int:
    if not values[name].isdigit():
        raise ZenginError(name, f"「{values[name]}」は数字ではありません", number)
    return int(values[name])


def parse_transfer_file(data: bytes, *, year: int | None = None) -> TransferFile:
    """Read a 総合振込 file back, checking record lengths, order and the trailer's count and total.

    The file carries only MMDD for the transfer date; `year` completes it (default: this year).
    """
    records = _split_records(data)
    parsed = [_fields(record, number) for number, record in enumerate(records, start=1)]
    _check_order([values["data_type"] for values in parsed])
    header = _parse_header(parsed[0], year or date.today().year)
    transfers = [_parse_transfer(values, number) for number, values in enumerate(parsed[1:-2], start=2)]
    result = TransferFile(header, transfers)
    trailer_number = len(parsed) - 1
    count = _parse_trailer_number(parsed[-2], "record_count", trailer_number)
    total = _parse_trailer_number(parsed[-2], "total_amount", trailer_number)
    if count != result.record_count:
        raise ZenginError("record_count", f"トレーラーの合計件数 {count} がデータレコード数 "
                                          f"{result.record_count} と一致しません", trailer_number)
    if total != result.total_amount:
        raise ZenginError("total_amount", f"トレーラーの合計金額 {total:,} 円が振込金額の合計 "
                                          f"{result.total_amount:,} 円と一致しません", trailer_number)
    return result
