"""Utility-space replenishment (共用文具置き場) (pure): what restores par after a stock count."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParLine:
    key: tuple            # (vendor_id, sku)
    par: int              # quantity the space keeps
    min_order_qty: int = 1


def propose(par_lines: list[ParLine], counts: dict[tuple, int]) -> dict[tuple, int]:
    """Quantity to order per item: par minus what was counted, at least the item's minimum
    order quantity, nothing when the space is at or above par. Uncounted items are left out:
    a missing count is not a zero."""
    proposal = {}
    for line in par_lines:
        if line.key not in counts:
            continue
        counted = counts[line.key]
        if counted < 0:
            raise ValueError(f"在庫数は 0 以上にしてください（{counted}）")
        need = line.par - counted
        if need > 0:
            proposal[line.key] = max(need, line.min_order_qty)
    return proposal
