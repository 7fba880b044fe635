"""A month's electricity charge of one facility at the contract rates (pure).

Base charge = base rate x contract kW x (185 - power factor) / 100; energy charge = energy rate x
kWh; the fuel-cost adjustment and the renewable surcharge are pass-through lines (rate x kWh).
Each line is rounded down to whole yen, as utilities bill."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from procure.money import round_yen


@dataclass(frozen=True)
class ChargeLine:
    kind: str          # base | energy | fuel_adjustment | renewable
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


def _yen(value: Decimal) -> Decimal:
    return round_yen(value, "down")


def monthly_charge(facility: str, contract_kw: Decimal, power_factor: Decimal, base_rate: Decimal,
                   energy_rate: Decimal, kwh: Decimal, fuel_rate: Decimal, renewable_rate: Decimal) -> list[ChargeLine]:
    factor = (Decimal(185) - Decimal(power_factor)) / 100
    base_quantity = Decimal(contract_kw) * factor
    lines = [ChargeLine("base", f"{facility} 基本料金（{contract_kw}kW・力率{power_factor}%）", base_quantity,
                        Decimal(base_rate), _yen(Decimal(base_rate) * base_quantity)),
             ChargeLine("energy", f"{facility} 電力量料金", Decimal(kwh), Decimal(energy_rate),
                        _yen(Decimal(energy_rate) * Decimal(kwh)))]
    if fuel_rate:
        lines.append(ChargeLine("fuel_adjustment", f"{facility} 燃料費等調整額", Decimal(kwh), Decimal(fuel_rate),
                                _yen(Decimal(fuel_rate) * Decimal(kwh))))
    if renewable_rate:
        lines.append(ChargeLine("renewable", f"{facility} 再生可能エネルギー発電促進賦課金", Decimal(kwh),
                                Decimal(renewable_rate), _yen(Decimal(renewable_rate) * Decimal(kwh))))
    return lines
