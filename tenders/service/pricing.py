"""The pricing policy of a tender and of each lot (tenders.pricing_policy): set by the office while
the tender's terms may still change, before bidding opens, because bidders price their volume
tiers knowing how they will be applied; read when bids are evaluated and contracts made."""
from __future__ import annotations

from procure import uow
from procure.models import User
from tenders.models import Tender
from tenders.pricing_policy import PricingPolicy
from tenders.service.common import ITEMIZED, TenderError, get_tender
from tenders.service.lotting import LOT_EDITABLE, lot_row


def policy_for(tender: Tender, lot_code: str = "") -> PricingPolicy:
    """The lot's own policy, else the tender's, else pooled."""
    row = lot_row(tender, lot_code) if lot_code else None
    if row is not None and row.pricing_policy:
        return PricingPolicy.from_dict(row.pricing_policy)
    return PricingPolicy.from_dict(tender.pricing_policy)


@uow.use_case
def set_pricing_policy(office: User, tender_id: int, policy: PricingPolicy, lot_code: str = "") -> Tender:
    """The tender's policy, or one lot's (`lot_code`). Changing it after bidding opens would let
    the office choose, knowing the prices, the policy that favours a bidder: refused."""
    tender = get_tender(tender_id)
    if tender.kind not in ITEMIZED:
        raise TenderError("電力の入札は施設ごとの単価で評価します。単価の決め方は品目のある入札で設定します")
    if tender.status not in LOT_EDITABLE:
        raise TenderError("単価の決め方は入札期間の開始前にだけ変更できます（入札者は決め方を知って数量段階別単価を入れます）")
    if lot_code:
        row = lot_row(tender, lot_code)
        if row is None:
            raise TenderError(f"ロット {lot_code} はこの案件にありません")
        row.pricing_policy = policy.as_dict()
    else:
        tender.pricing_policy = policy.as_dict()
    return tender
