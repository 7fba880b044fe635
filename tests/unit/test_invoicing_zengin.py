import re
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.zengin import (
    DATA_LAYOUT, END_LAYOUT, HEADER_LAYOUT, MAX_AMOUNT, TRAILER_LAYOUT, Transfer, TransferHeader,
    ZenginError, build_transfer_file, parse_transfer_file, to_halfwidth_kana,
)

# Written out independently of the module: digits, A-Z, space, ( ) - . / , ｢ ｣, ｱ..ﾝ, ﾞ, ﾟ.
ZENGIN_TEXT = re.compile(r"[0-9A-Z ()\-./,｢｣\uFF71-\uFF9F]*")


def header(**changes) -> TransferHeader:
    base = TransferHeader(
        requester_code="0000012345", requester_name="トクベツク ゴウドウチョウタツ",
        transfer_date=date(2025, 4, 25), bank_code="0001", bank_name="ミズホ",
        branch_code="001", branch_name="トウキョウ", account_type="1", account_number="1234567")
    return replace(base, **changes)


def transfer(**changes) -> Transfer:
    base = Transfer(
        bank_code="0005", bank_name="ミツビシユーエフジエイ", branch_code="123", branch_name="シンジュク",
        account_type="1", account_number="76543", recipient_name="株式会社ヤマダブング",
        amount=D("123456"))
    return replace(base, **changes)


TRANSFERS = [
    transfer(),
    transfer(bank_code="0009", bank_name="ミツイスミトモ", branch_code="250", branch_name="イケブクロ",
             account_type="2", account_number="0011223", recipient_name="ｻﾄｳ ｼﾞﾛｳ", amount=D("5000"),
             new_code="1", customer_code1="12345", transfer_method="7"),
    transfer(recipient_name="とうきょう　オフィス（有）", amount=D("9999999999"), edi_info="INV-2025-0001"),
]


def records(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


@pytest.mark.parametrize("layout", [HEADER_LAYOUT, DATA_LAYOUT, TRAILER_LAYOUT, END_LAYOUT])
def test_every_layout_is_120_bytes(layout):
    assert sum(width for _, width in layout) == 120


def test_header_record_byte_for_byte():
    expected = ("1" "21" "0" "0000012345" + "ﾄｸﾍﾞﾂｸ ｺﾞｳﾄﾞｳﾁﾖｳﾀﾂ".ljust(40) + "0425" "0001"
                + "ﾐｽﾞﾎ".ljust(15) + "001" + "ﾄｳｷﾖｳ".ljust(15) + "1" "1234567" + " " * 17)
    assert records(build_transfer_file(header(), TRANSFERS))[0] == expected.encode("cp932")


def test_data_record_byte_for_byte():
    expected = ("2" "0005" + "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ".ljust(15) + "123" + "ｼﾝｼﾞﾕｸ".ljust(15) + "0000" "1" "0076543"
                + "ｶ)ﾔﾏﾀﾞﾌﾞﾝｸﾞ".ljust(30) + "0000123456" "0" + " " * 10 + " " * 10 + " " " " + " " * 7)
    assert records(build_transfer_file(header(), TRANSFERS))[1] == expected.encode("cp932")


def test_customer_codes_and_edi_information_sit_after_the_amount():
    second, third = records(build_transfer_file(header(), TRANSFERS))[2:4]
    assert second[80:90] == b"0000005000" and second[90:91] == b"1"
    assert second[91:101] == b"0000012345" and second[101:111] == b" " * 10
    assert second[111:113] == b"7 "
    assert third[80:90] == b"9999999999"
    assert third[91:111] == b"INV-2025-0001".ljust(20) and third[112:113] == b"Y"


def test_every_record_is_exactly_120_bytes_and_ends_with_crlf():
    data = build_transfer_file(header(), TRANSFERS)
    assert all(len(record) == 120 for record in records(data))
    assert len(data) == (1 + len(TRANSFERS) + 2) * 122


def test_records_come_as_header_data_trailer_end():
    data_types = [record[:1] for record in records(build_transfer_file(header(), TRANSFERS))]
    assert data_types == [b"1", b"2", b"2", b"2", b"8", b"9"]


def test_only_zengin_characters_are_written():
    for record in records(build_transfer_file(header(), TRANSFERS)):
        assert ZENGIN_TEXT.fullmatch(record.decode("cp932"))


def test_trailer_counts_and_sums_the_transfers():
    *_, trailer, end = records(build_transfer_file(header(), TRANSFERS))
    assert trailer[1:7] == b"000003"
    assert trailer[7:19] == str(123456 + 5000 + 9999999999).zfill(12).encode()
    assert trailer[19:] == b" " * 101
    assert end == b"9" + b" " * 119


@pytest.mark.parametrize("typed, zengin", [
    ("ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
    ("やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),
    ("ｻﾄｳ ｼﾞﾛｳ", "ｻﾄｳ ｼﾞﾛｳ"),
    ("ガギグゲゴ パピプペポ ヴ", "ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ ｳﾞ"),
    ("キャッシュ", "ｷﾔﾂｼﾕ"),            # no small kana
    ("コーヒー", "ｺ-ﾋ-"),              # no long vowel mark
    ("ＡＢＣ　ｘｙｚ　１２３", "ABC XYZ 123"),
    ("ＡＢＣ・ジャパン", "ABC.ｼﾞﾔﾊﾟﾝ"),
    ("（カ）ヤマダ／トウキョウ", "(ｶ)ﾔﾏﾀﾞ/ﾄｳｷﾖｳ"),
    ("株式会社ヤマダ", "ｶ)ﾔﾏﾀﾞ"),
    ("ヤマダ 株式会社", "ﾔﾏﾀﾞ(ｶ"),
    ("ヤマダ㈱", "ﾔﾏﾀﾞ(ｶ"),
    ("㈲ヤマダ", "ﾕ)ﾔﾏﾀﾞ"),
    ("ヤマダ株式会社トウキョウシテン", "ﾔﾏﾀﾞ(ｶ)ﾄｳｷﾖｳｼﾃﾝ"),
    ("一般社団法人トウキョウ", "ｼﾔ)ﾄｳｷﾖｳ"),
    ("特定非営利活動法人ミドリ", "ﾄｸﾋ)ﾐﾄﾞﾘ"),
    ("ヲヰヱ", "ｵｲｴ"),
    ("「ア」、イ。", "｢ｱ｣,ｲ."),
    ("  ヤマダ   タロウ  ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
    ("", ""),
])
def test_to_halfwidth_kana(typed, zengin):
    assert to_halfwidth_kana(typed) == zengin
    assert to_halfwidth_kana(zengin) == zengin  # converting twice changes nothing


@pytest.mark.parametrize("name, bad", [("山田商事", "山"), ("ヤマダ&サトウ", "&"), ("info@ヤマダ", "@"),
                                       ("ヤマダ￥", "¥"), ("カフェ♪", "♪")])
def test_characters_without_a_zengin_spelling_are_refused_with_the_field(name, bad):
    with pytest.raises(ZenginError) as error:
        to_halfwidth_kana(name, "recipient_name", 4)
    assert (error.value.field, error.value.row) == ("recipient_name", 4)
    assert f"「{bad}」" in str(error.value) and "受取人名" in str(error.value)


def test_kanji_in_a_recipient_name_names_the_row():
    transfers = [transfer(), transfer(recipient_name="山田文具")]
    with pytest.raises(ZenginError) as error:
        build_transfer_file(header(), transfers)
    assert (error.value.field, error.value.row) == ("recipient_name", 2)


def test_a_name_too_long_is_an_error_not_a_silent_cut():
    thirty = "ア" * 30
    assert build_transfer_file(header(), [transfer(recipient_name=thirty)])
    with pytest.raises(ZenginError) as error:
        build_transfer_file(header(), [transfer(), transfer(recipient_name=thirty + "イ")])
    assert (error.value.field, error.value.row) == ("recipient_name", 2)
    assert "30文字" in error.value.reason
    # voiced kana take two half-width characters: 16 x ガ is 32
    with pytest.raises(ZenginError, match="recipient_name"):
        build_transfer_file(header(), [transfer(recipient_name="ガ" * 16)])


def test_header_name_too_long_names_the_header_field():
    with pytest.raises(ZenginError) as error:
        build_transfer_file(header(branch_name="トウキョウエイギョウブダイイチ"), TRANSFERS)
    assert (error.value.field, error.value.row) == ("branch_name", None)


@pytest.mark.parametrize("amount, words", [
    (D("0"), "1円以上"), (D("-100"), "1円以上"), (D("100.5"), "整数"), (D("10000000000"), "10桁"),
    (100.0, "Decimal"), ("100", "Decimal"), (True, "Decimal"), (D("NaN"), "整数"),
])
def test_amounts_must_be_positive_whole_yen_of_at_most_ten_digits(amount, words):
    with pytest.raises(ZenginError) as error:
        build_transfer_file(header(), [transfer(), transfer(amount=amount)])
    assert (error.value.field, error.value.row) == ("amount", 2)
    assert words in error.value.reason


def test_whole_yen_written_with_decimals_and_integers_are_accepted():
    data = build_transfer_file(header(), [transfer(amount=D("100.00")), transfer(amount=MAX_AMOUNT),
                                          transfer(amount=7)])
    assert [record[80:90] for record in records(data)[1:4]] == [b"0000000100", b"9999999999",
                                                                b"0000000007"]


def test_the_total_must_fit_twelve_digits():
    with pytest.raises(ZenginError) as error:
        build_transfer_file(header(), [transfer(amount=MAX_AMOUNT)] * 101)
    assert error.value.field == "total_amount"


@pytest.mark.parametrize("changes, field", [
    ({"bank_code": "01"}, "bank_code"), ({"bank_code": "00012"}, "bank_code"),
    ({"branch_code": "1A3"}, "branch_code"), ({"account_number": "12345678"}, "account_number"),
    ({"account_number": ""}, "account_number"), ({"account_type": "3"}, "account_type"),
    ({"new_code": "5"}, "new_code"), ({"transfer_method": "9"}, "transfer_method"),
    ({"customer_code1": "ABC"}, "customer_code1"), ({"recipient_name": " "}, "recipient_name"),
    ({"clearing_house_code": "12345"}, "clearing_house_code"),
    ({"edi_info": "INV-1", "customer_code1": "1"}, "edi_info"),
    ({"edi_info": "A" * 21}, "edi_info"),
])
def test_bad_transfer_fields_are_refused_by_name_and_row(changes, field):
    with pytest.raises(ZenginError) as error:
        build_transfer_file(header(), [transfer(), transfer(), transfer(**changes)])
    assert (error.value.field, error.value.row) == (field, 3)


@pytest.mark.parametrize("changes, field", [
    ({"requester_code": "12345"}, "requester_code"), ({"requester_name": ""}, "requester_name"),
    ({"type_code": "11"}, "type_code"), ({"code_division": "1"}, "code_division"),
    ({"account_type": ""}, "account_type"),
])
def test_bad_header_fields_are_refused_by_name(changes, field):
    with pytest.raises(ZenginError) as error:
        build_transfer_file(header(**changes), TRANSFERS)
    assert (error.value.field, error.value.row) == (field, None)


def test_full_width_digits_in_codes_are_accepted():
    data = build_transfer_file(header(), [transfer(bank_code="０００５", account_number="７６５４３")])
    assert records(data)[1][1:5] == b"0005" and records(data)[1][43:50] == b"0076543"


def test_a_file_needs_at_least_one_transfer():
    with pytest.raises(ZenginError) as error:
        build_transfer_file(header(), [])
    assert error.value.field == "transfers"


# --- reading back -------------------------------------------------------------------------

def test_round_trip():
    data = build_transfer_file(header(), TRANSFERS)
    parsed = parse_transfer_file(data, year=2025)
    assert parsed.header.transfer_date == date(2025, 4, 25)
    assert parsed.header.requester_name == "ﾄｸﾍﾞﾂｸ ｺﾞｳﾄﾞｳﾁﾖｳﾀﾂ"
    assert [t.recipient_name for t in parsed.transfers] == ["ｶ)ﾔﾏﾀﾞﾌﾞﾝｸﾞ", "ｻﾄｳ ｼﾞﾛｳ", "ﾄｳｷﾖｳ ｵﾌｲｽ(ﾕ"]
    assert [t.amount for t in parsed.transfers] == [t.amount for t in TRANSFERS]
    assert parsed.transfers[1].customer_code1 == "0000012345"
    assert parsed.transfers[2].edi_info == "INV-2025-0001"
    assert (parsed.record_count, parsed.total_amount) == (3, D("10000128455"))
    assert build_transfer_file(parsed.header, parsed.transfers) == data


def test_records_run_together_without_separators_are_read_too():
    data = build_transfer_file(header(), TRANSFERS)
    assert parse_transfer_file(data.replace(b"\r\n", b""), year=2025) == parse_transfer_file(data, year=2025)


def tampered(number: int, new_record: bytes) -> bytes:
    lines = records(build_transfer_file(header(), TRANSFERS))
    lines[number] = new_record
    return b"".join(line + b"\r\n" for line in lines)


@pytest.mark.parametrize("index, record, field", [
    (4, b"8" + b"000002" + str(10000128455).zfill(12).encode() + b" " * 101, "record_count"),
    (4, b"8" + b"000003" + str(10000128454).zfill(12).encode() + b" " * 101, "total_amount"),
    (1, b"2" * 119, "record"),
    (1, b"8" + b"0" * 18 + b" " * 101, "record"),
    (5, b"2" + b" " * 119, "record"),
    (0, b"7" + b" " * 119, "record"),
    (1, b"2" + b"0005" + b"\x81" + b" " * 114, "bank_name"),  # a CP932 lead byte with no trail byte
])
def test_broken_files_are_refused(index, record, field):
    with pytest.raises(ZenginError) as error:
        parse_transfer_file(tampered(index, record), year=2025)
    assert error.value.field == field


def test_the_year_completes_the_transfer_date():
    data = build_transfer_file(header(transfer_date=date(2024, 2, 29)), TRANSFERS)
    assert parse_transfer_file(data, year=2024).header.transfer_date == date(2024, 2, 29)
    with pytest.raises(ZenginError, match="transfer_date"):
        parse_transfer_file(data, year=2025)


# --- properties ---------------------------------------------------------------------------

# Each of these has a one-character Zengin spelling, so a name of n of them is n wide.
ONE_WIDE = ("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
            "あいうえおさしすせそ" "ァッャュョ" "ABCXYZabcxyz" "0123456789" "０１２ＡＢＣ" "()-./ ー")


def names(width: int, required: bool = False):
    text = st.text(ONE_WIDE, min_size=1 if required else 0, max_size=width)
    return text.filter(lambda name: name.strip()) if required else text


def digits(low: int, high: int):
    return st.text("0123456789", min_size=low, max_size=high)


transfers = st.builds(
    Transfer,
    bank_code=digits(4, 4), bank_name=names(15), branch_code=digits(3, 3), branch_name=names(15),
    account_type=st.sampled_from("1249"), account_number=digits(1, 7), recipient_name=names(30, True),
    amount=st.integers(1, int(MAX_AMOUNT)).map(D), new_code=st.sampled_from("012"),
    customer_code1=digits(0, 10), customer_code2=digits(0, 10),
    transfer_method=st.sampled_from(["", "7", "8"]), clearing_house_code=digits(0, 4),
)
headers = st.builds(
    TransferHeader, requester_code=digits(10, 10), requester_name=names(40, True),
    transfer_date=st.dates(date(2024, 1, 1), date(2024, 12, 31)), bank_code=digits(4, 4),
    bank_name=names(15), branch_code=digits(3, 3), branch_name=names(15),
    account_type=st.sampled_from("1249"), account_number=digits(1, 7))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_header=headers, file_transfers=st.lists(transfers, min_size=1, max_size=12))
def test_any_valid_input_gives_120_byte_zengin_records_and_a_true_trailer(file_header, file_transfers):
    data = build_transfer_file(file_header, file_transfers)
    lines = records(data)
    assert all(len(line) == 120 for line in lines)
    assert all(ZENGIN_TEXT.fullmatch(line.decode("cp932")) for line in lines)
    assert [line[:1] for line in lines] == [b"1"] + [b"2"] * len(file_transfers) + [b"8", b"9"]
    trailer = lines[-2]
    assert int(trailer[1:7]) == len(file_transfers)
    assert int(trailer[7:19]) == sum(t.amount for t in file_transfers)
    parsed = parse_transfer_file(data, year=2024)
    assert [t.amount for t in parsed.transfers] == [t.amount for t in file_transfers]
    assert [t.recipient_name for t in parsed.transfers] == [to_halfwidth_kana(t.recipient_name)
                                                            for t in file_transfers]
    assert build_transfer_file(parsed.header, parsed.transfers) == data
