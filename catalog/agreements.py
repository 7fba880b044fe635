"""単価契約 with catalog vendors: registered by the office with how each was awarded (一般競争入札,
指名競争入札 or 随意契約 with its legal ground), its 予定価格 and its term. A 随意契約 for a small
amount is refused above 別表第5's limit on the day it was concluded; a 随意契約 on another ground
for more than that limit is allowed with a warning (the ground must be documented)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from catalog.models import FrameworkAgreement
from procure import procurement_method as methods
from procure import uow
from procure.extensions import db
from procure.models import User, Vendor
from procure.errors import FieldError


class AgreementError(FieldError):
    pass


@dataclass(frozen=True)
class AgreementEntry:
    vendor_id: int
    title: str
    method: str
    ground: str | None
    estimated: Decimal | None
    concluded_on: date
    starts: date
    ends: date


@uow.use_case
def register(office: User, entry: AgreementEntry) -> tuple[FrameworkAgreement, list[str]]:
    """The agreement, and the warnings the office should see."""
    if db.session.get(Vendor, entry.vendor_id) is None:
        raise AgreementError("事業者を選んでください", "vendor")
    title = " ".join(entry.title.split())
    if not title or len(title) > 200:
        raise AgreementError("件名を 200 文字以内で入力してください", "title")
    if entry.ends < entry.starts:
        raise AgreementError("契約期間の終期は始期以降の日にしてください", "ends")
    if entry.concluded_on > entry.starts:
        raise AgreementError("契約締結日は契約期間の始期以前の日にしてください", "concluded_on")
    if entry.estimated is not None and entry.estimated < 0:
        raise AgreementError("予定価格は 0 以上にしてください", "estimated")
    try:
        method = methods.checked(entry.method, entry.ground, methods.GOODS, entry.estimated, entry.concluded_on)
    except methods.MethodError as exc:
        raise AgreementError(str(exc), "procurement_method") from None
    overlapping = db.session.scalar(select(FrameworkAgreement).filter(
        FrameworkAgreement.vendor_id == entry.vendor_id, FrameworkAgreement.starts <= entry.ends,
        FrameworkAgreement.ends >= entry.starts))
    if overlapping is not None:
        raise AgreementError(f"この事業者には期間の重なる単価契約があります（{overlapping.title}、"
                             f"{overlapping.starts:%Y-%m-%d}〜{overlapping.ends:%Y-%m-%d}）", "starts")
    agreement = FrameworkAgreement(
        vendor_id=entry.vendor_id, title=title, procurement_method=method.method, procurement_ground=method.ground,
        estimated_amount=entry.estimated, concluded_on=entry.concluded_on, starts=entry.starts, ends=entry.ends,
        registered_by_id=office.id)
    db.session.add(agreement)
    db.session.flush()
    warning = methods.competition_warning(method, (methods.GOODS,), entry.estimated, entry.concluded_on)
    return agreement, [warning] if warning else []


def covering(vendor_id: int, on: date) -> FrameworkAgreement | None:
    """The vendor's agreement in force on that day, if any."""
    return db.session.scalar(select(FrameworkAgreement).filter(
        FrameworkAgreement.vendor_id == vendor_id, FrameworkAgreement.starts <= on, FrameworkAgreement.ends >= on))


def describe(agreement: FrameworkAgreement) -> str:
    """How it was awarded, in the reader's language."""
    from procure.procurement_method_labels import method_label

    return method_label(methods.Method(agreement.procurement_method, agreement.procurement_ground))
