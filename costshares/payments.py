"""Paying cost-share bills by Zengin, like invoices: the ward's payer puts issued bills in a
総合振込 file to the office's account; recording the transfers done (invoicing.payments) pays them."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from costshares.models import CostShareBill, OfficeAccount
from costshares.states import COST_SHARE, ISSUED, PAYMENT_PENDING
from invoicing import payments, zengin
from invoicing.models import ZenginBatch
from procure import state_guard, uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.models import User


@uow.use_case
def pay_by_zengin(user: User, bill_ids: list[int], transfer_date: date, today: date,
                  lead_days: int = 1) -> ZenginBatch:
    if not bill_ids:
        raise payments.PaymentError("振込する負担金を選んでください", "bills")
    account = db.session.scalar(select(OfficeAccount).order_by(OfficeAccount.id))
    if account is None:
        raise payments.PaymentError("共同調達組織の振込先口座が登録されていません", "account")
    bills = []
    for bill_id in sorted(set(bill_ids)):
        bill = db.session.get(CostShareBill, bill_id)
        if bill is None or bill.ward_id != user.ward_id:
            raise payments.PaymentError("負担金の請求が見つかりません", "bills")
        if bill.status != ISSUED:
            raise payments.PaymentError(f"{bill.number} は振込処理中か支払済みです", "bills")
        if bill.total <= 0:
            raise payments.PaymentError(f"{bill.number} は 0 円のため振込はありません", "bills")
        bills.append(bill)
    transfers = [zengin.Transfer(
        bank_code=account.bank_code, bank_name=account.bank_name_kana, branch_code=account.branch_code,
        branch_name=account.branch_name_kana, account_type=account.account_type,
        account_number=account.account_number, recipient_name=account.account_name_kana,
        amount=bill.total, edi_info=bill.number) for bill in bills]
    batch = payments.ward_transfer_file(user, transfers, transfer_date, today, lead_days)
    for bill in bills:
        state_guard.step(bill, COST_SHARE, "claim_payment", user.role.value)
        bill.zengin_batch_id = batch.id
    db.session.flush()
    return batch


def settle_transferred(batch: ZenginBatch, role: str) -> None:
    """The ward recorded the file's transfers done: its cost-share bills are paid."""
    for bill in db.session.scalars(select(CostShareBill).filter_by(zengin_batch_id=batch.id, status=PAYMENT_PENDING)):
        state_guard.step(bill, COST_SHARE, "pay", role)
        bill.paid_at = utcnow()


if settle_transferred not in payments.ZENGIN_COMPLETION_HOOKS:
    payments.ZENGIN_COMPLETION_HOOKS.append(settle_transferred)
