"""Monthly electricity readings as xlsx (pure): one row per facility and month. Every bad row and
field is reported; nothing is stored unless the whole file is clean."""
from __future__ import annotations

from decimal import Decimal

from procure import sheets

HEADERS = ("施設名", "年", "月", "使用量（kWh）", "最大需要電力（kW）", "燃料費調整単価（円/kWh）",
           "再エネ賦課金単価（円/kWh）")


LIMITS = sheets.SheetLimits(max_rows=20_000, max_columns=20, max_member_bytes=20 * 2 ** 20,
                            max_total_bytes=40 * 2 ** 20)
MAX_KWH = Decimal(10) ** 10
MAX_RATE = Decimal(10) ** 4  # yen per kWh, either sign (fuel-cost adjustment may be negative)


def _rate(value) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal(0)
    return sheets.decimal(value, -MAX_RATE, MAX_RATE, 4)


FIELDS = (("施設名", lambda v: sheets.text(v, 200)), ("年", lambda v: sheets.integer(v, 2000, 2100)),
          ("月", lambda v: sheets.integer(v, 1, 12)),
          ("使用量（kWh）", lambda v: sheets.decimal(v, Decimal(0), MAX_KWH, 2)),
          ("最大需要電力（kW）", lambda v: sheets.decimal(v, Decimal(0), MAX_KWH, 2)),
          ("燃料費調整単価（円/kWh）", _rate), ("再エネ賦課金単価（円/kWh）", _rate))


def read_readings(data: bytes) -> tuple[list[dict], list[str]]:
    """(readings, errors), every bad row and field named; read by the shared hostile-file reader."""
    rows, errors = sheets.parsed_rows(data, LIMITS, FIELDS)
    readings = [{"facility": v["施設名"], "year": v["年"], "month": v["月"], "kwh": str(v["使用量（kWh）"]),
                 "peak_kw": str(v["最大需要電力（kW）"]), "fuel_adjustment_rate": str(v["燃料費調整単価（円/kWh）"]),
                 "renewable_rate": str(v["再エネ賦課金単価（円/kWh）"])} for _, v, complete in rows if complete]
    if not readings and not errors:
        errors.append("検針の行がありません")
    return (readings if not errors else []), errors
