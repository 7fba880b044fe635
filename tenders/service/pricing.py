"""The pricing policy of a tender and of each lot (procure.pricing.policy): set by the office while
the tender's terms may still change, before bidding opens, because bidders price their volume
tiers knowing how they will be applied; read when bids are evaluated and contracts made."""
from __future__ import annotations

from decimal import Decimal

from procure import uow
from tenders import lifecycle
from procure.models import User
from tenders.models import Tender
from procure.pricing.policy import PricingPolicy
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


def simulation_source(tender_id: int, pattern: str, now) -> dict:
    """What the price simulator needs from a real tender: each ward's purchased quantity of one
    pattern or item and, once bids are opened, the awarded (or else the lowest valid) bid's price
    schedule for it. Sealed bids stay sealed: before opening there is no schedule."""
    from sqlalchemy import select

    from procure.extensions import db
    from procure.models import Ward
    from tenders.models import Award, Bid, BidEvaluation, PcDemandLine
    from tenders.service.bidding import read_bid

    tender = get_tender(tender_id)
    if tender.kind not in ITEMIZED or pattern not in {p.code for p in tender.patterns}:
        raise TenderError("品目のある入札と、その品目を選んでください")
    codes = {w.id: w.code for w in db.session.scalars(select(Ward))}
    quantities: dict[str, int] = {}
    for line in db.session.scalars(select(PcDemandLine).filter_by(tender_id=tender.id, pattern_code=pattern)):
        if line.lease_months is None:
            quantities[codes[line.ward_id]] = quantities.get(codes[line.ward_id], 0) + line.quantity
    source = {"tender": tender, "pattern": pattern, "quantities": quantities, "tiers": None, "bidder": None}
    if tender.status not in (lifecycle.OPENED, lifecycle.EVALUATION, lifecycle.AWARDED, lifecycle.CONTRACTED,
                             lifecycle.COMPLETED):
        return source
    award = db.session.scalar(select(Award).filter_by(tender_id=tender.id).order_by(Award.id))
    bid = db.session.get(Bid, award.bid_id) if award else db.session.scalar(
        select(Bid).join(BidEvaluation).where(Bid.tender_id == tender.id, BidEvaluation.valid.is_(True))
        .order_by(BidEvaluation.evaluated_price))
    if bid is None:
        return source
    try:
        content = read_bid(bid, tender, now)
    except TenderError:  # the opening time has not come on this server's clock: demand only
        return source
    base = content.get("patterns", {}).get(pattern)
    if base is not None:
        source["tiers"] = [(0, base)] + [(int(q), p) for q, p in content.get("volume_prices", {}).get(pattern, [])]
        source["bidder"] = bid.vendor.name
    return source


REFERENCE_EDITABLE = frozenset({lifecycle.DRAFT, lifecycle.DEMAND, lifecycle.PUBLISHED, lifecycle.QUESTIONS,
                                lifecycle.BIDDING})  # before opening
MAX_RATE = Decimal(1_000_000)


@uow.use_case
def set_reference_rates(office: User, tender_id: int, rates: dict[str, tuple[Decimal, Decimal]],
                        source: str) -> Tender:
    """Electricity: the rates the wards paid before this tender per voltage class, against which
    each ward contract's saving is recorded. Fixed before opening, so the reference is not chosen
    knowing the bids. Empty `rates` removes it (no saving is then recorded)."""
    from tenders.facility_upload import VOLTAGES

    tender = get_tender(tender_id)
    if tender.kind != "electricity":
        raise TenderError("現行単価は電力の入札で設定します")
    if tender.status not in REFERENCE_EDITABLE:
        raise TenderError("現行単価（削減額の参照）は開札の前にだけ設定できます")
    source = (source or "").strip()
    if rates and (not source or len(source) > 200):
        raise TenderError("現行単価の根拠（現行の契約、標準メニューなど）を 200 文字以内で入力してください")
    stored = {}
    for voltage, (base, energy) in rates.items():
        if voltage not in VOLTAGES:
            raise TenderError(f"電圧区分「{voltage}」はありません")
        for value, label in ((base, "基本料金単価"), (energy, "電力量料金単価")):
            if not (0 <= value < MAX_RATE) or value != value.quantize(Decimal("0.01")):
                raise TenderError(f"{voltage}の{label}は 0 以上、小数 2 桁までで入力してください")
        stored[voltage] = [str(base), str(energy)]
    tender.reference_rates = {"rates": stored, "source": source} if stored else None
    return tender
