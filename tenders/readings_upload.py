"""Monthly electricity readings as xlsx (pure): one row per facility and month. Every bad row and
field is reported; nothing is stored unless the whole file is clean."""
from __future__ import annotations

import io
import unicodedata

import openpyxl

from procure.textnorm import parse_decimal, parse_int

HEADERS = ("施設名", "年", "月", "使用量（kWh）", "最大需要電力（kW）", "燃料費調整単価（円/kWh）",
           "再エネ賦課金単価（円/kWh）")


def _key(text) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def read_readings(data: bytes) -> tuple[list[dict], list[str]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception:
        return [], ["Excel ファイル（.xlsx）として読み込めません"]
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_key(v) for v in next(rows, ())]
        missing = [h for h in HEADERS if _key(h) not in header]
        if missing:
            return [], ["1行目に必須の列がありません: " + "、".join(missing)]
        index = {h: header.index(_key(h)) for h in HEADERS}
        readings, errors = [], []
        for number, row in enumerate(rows, start=2):
            cell = {h: (row[i] if i < len(row) else None) for h, i in index.items()}
            if all(_key(v) == "" for v in cell.values()):
                continue
            problems, values = [], {}
            if not _key(cell["施設名"]):
                problems.append(f"{number}行目「施設名」: 入力してください")
            for name, parse in (("年", lambda v: parse_int(v, "年", 2000, 2100)),
                                ("月", lambda v: parse_int(v, "月", 1, 12)),
                                ("使用量（kWh）", parse_decimal), ("最大需要電力（kW）", parse_decimal),
                                ("燃料費調整単価（円/kWh）", parse_decimal), ("再エネ賦課金単価（円/kWh）", parse_decimal)):
                try:
                    values[name] = parse(cell[name] if cell[name] is not None else "0"
                                         if name.endswith("単価（円/kWh）") else cell[name])
                except ValueError as exc:
                    problems.append(f"{number}行目「{name}」: {exc}")
            if problems:
                errors += problems
                continue
            readings.append({"facility": _key(cell["施設名"]), "year": values["年"], "month": values["月"],
                             "kwh": str(values["使用量（kWh）"]), "peak_kw": str(values["最大需要電力（kW）"]),
                             "fuel_adjustment_rate": str(values["燃料費調整単価（円/kWh）"]),
                             "renewable_rate": str(values["再エネ賦課金単価（円/kWh）"])})
        if not readings and not errors:
            errors.append("検針の行がありません")
        return (readings if not errors else []), errors
    finally:
        book.close()
