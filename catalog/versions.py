"""Vendor catalog versions: upload, background import, review and approval.

Import is two passes over the file, both streaming: the first validates every row
(nothing is written), the second inserts in batches. Items of a version are never
visible to wards until the office approves the version, so a failed import changes
nothing that anyone sees. The file is kept in procure.storage (any worker can read it);
an import run again (a retry, or after its worker died) first removes what an earlier
attempt inserted, so it never doubles rows.
"""
from __future__ import annotations

import io
import os
from datetime import date

from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from catalog import diff as catalog_diff
from catalog.models import (APPROVED, INVALID, PENDING_REVIEW, UPLOADED,
                            CatalogItem, CatalogVersion)
from catalog.queries import search_text_for
from catalog.states import CATALOG_VERSION
from catalog.upload import CatalogFileError, CatalogReader, RowError
from procure import jobs, state_guard, storage, uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.models import User
from procure.statemachine import SYSTEM
from procure.errors import FieldError

BATCH = 2000
KEPT_ERRORS = 500  # shown to the vendor; the count is always exact
SAMPLE = 200


class ReviewError(FieldError):
    pass


INTERRUPTED = "取り込みが中断されました。再実行できます（このページの「再実行」）"


@uow.use_case
def start_upload(user: User, stream, file_name: str) -> CatalogVersion:
    """Keep the file, record a new version and import it in the background."""
    if not file_name.lower().endswith(".xlsx"):
        raise ReviewError("Excel ファイル（.xlsx）をアップロードしてください", "file")
    data = stream.read()
    for _ in range(3):  # numbers are per vendor; a concurrent upload may take ours
        number = (db.session.scalar(select(func.max(CatalogVersion.number))
                                    .filter_by(vendor_id=user.vendor_id)) or 0) + 1
        version = CatalogVersion(vendor_id=user.vendor_id, number=number, status=UPLOADED,
                                 file_name=os.path.basename(file_name)[:200],
                                 uploaded_by_id=user.id)
        db.session.add(version)
        try:
            db.session.flush()
            break
        except IntegrityError:
            uow.rollback()
    else:
        raise ReviewError("同時にアップロードされました。もう一度お試しください", "file")
    file_id = storage.put(data, kind="catalog_upload", file_name=version.file_name, owner_id=user.id)
    job = jobs.submit("catalog_import", "catalog.versions:import_job", owner_id=user.id,
                      version_id=version.id, file_id=file_id)
    version.job_id = job.id
    db.session.flush()
    return version


def _validate(data: bytes, progress) -> tuple[int, int, list[dict]]:
    kept, count, rows = [], 0, 0
    with io.BytesIO(data) as handle:
        reader = CatalogReader(handle)
        try:
            total = reader.total_rows
            for rows, (_, _, errors) in enumerate(reader, start=1):
                count += len(errors)
                kept.extend(_error_json(e) for e in errors[:max(0, KEPT_ERRORS - len(kept))])
                if rows % 1000 == 0:
                    progress(rows, total and total * 2, "検証中")
        finally:
            reader.close()
    return rows, count, kept


def _error_json(error: RowError) -> dict:
    return {"row": error.row, "column": error.column, "message": error.message}


def _insert(version: CatalogVersion, data: bytes, rows: int, progress) -> int:
    batch, done = [], 0
    with io.BytesIO(data) as handle:
        reader = CatalogReader(handle)
        try:
            for _, item, _ in reader:
                values = {name: getattr(item, name) for name in (
                    "sku", "jan", "name", "spec", "category", "unit", "tax_rate", "list_price",
                    "contract_price", "tiers", "green", "min_order_qty", "lead_time_days",
                    "valid_from", "valid_to")}
                values.update(version_id=version.id, vendor_id=version.vendor_id,
                              search_text=search_text_for(item.sku, item.jan, item.name,
                                                          item.spec, item.category),
                              fingerprint=catalog_diff.fingerprint(item))
                batch.append(values)
                if len(batch) >= BATCH:
                    done += _flush(batch)
                    progress(rows + done, rows * 2, "取り込み中")
            done += _flush(batch)
        finally:
            reader.close()
    return done


def _flush(batch: list[dict]) -> int:
    if batch:
        db.session.execute(insert(CatalogItem), batch)
        uow.checkpoint("catalog import batch: short transactions keep other writers unblocked")
    count = len(batch)
    batch.clear()
    return count


def import_job(job_id: int, progress, version_id: int, file_id: int) -> dict:
    version = db.session.get(CatalogVersion, version_id)
    if version.status != UPLOADED:  # imported by an earlier run that committed: nothing to redo
        return {"status": version.status, "rows": None, "items": version.item_count}
    if db.session.scalar(select(CatalogItem.id).filter_by(version_id=version_id).limit(1)) is not None:
        _remove_items(version_id)  # an earlier attempt's batches
        version.errors, version.error_count = None, 0
        uow.checkpoint("catalog import: an earlier attempt's rows removed before starting again")
    data = storage.get(file_id)
    try:
        rows, error_count, errors = _validate(data, progress)
    except CatalogFileError as exc:
        rows, error_count, errors = 0, 1, [{"row": 0, "column": "", "message": str(exc)}]
    except Exception:  # never leave a version "importing" forever
        uow.rollback()
        state_guard.step(version, CATALOG_VERSION, "import_failed", SYSTEM)
        version.error_count = 1
        version.errors = [{"row": 0, "column": "", "message": "ファイルを読み込めませんでした"}]
        uow.checkpoint("the version keeps why its import failed")
        raise
    if rows == 0 and not errors:
        error_count, errors = 1, [{"row": 0, "column": "", "message": "商品の行がありません"}]
    if errors:
        state_guard.step(version, CATALOG_VERSION, "import_failed", SYSTEM)
        version.error_count, version.errors = error_count, errors
        db.session.flush()
        return {"status": INVALID, "rows": rows, "errors": error_count}
    try:
        version.item_count = _insert(version, data, rows, progress)
    except Exception:
        uow.rollback()
        db.session.execute(delete(CatalogItem).where(CatalogItem.version_id == version.id))
        state_guard.step(version, CATALOG_VERSION, "import_failed", SYSTEM)
        version.errors = [{"row": 0, "column": "", "message": "取り込み中にエラーが発生しました。"
                           "もう一度アップロードしてください"}]
        version.error_count = 1
        uow.checkpoint("the version keeps why its import failed")
        raise
    version.diff = compare_with_previous(version)
    state_guard.step(version, CATALOG_VERSION, "imported", SYSTEM)
    db.session.flush()
    return {"status": PENDING_REVIEW, "rows": rows, "items": version.item_count}


def _remove_items(version_id: int) -> int:
    return db.session.execute(delete(CatalogItem).where(CatalogItem.version_id == version_id)).rowcount


def abandon_import(job_id: int, arguments: dict) -> None:
    """The import stopped for good (cancelled, timed out, its worker died twice): remove the
    batches it kept and say so on the version, which stays re-runnable."""
    version = db.session.get(CatalogVersion, arguments["version_id"])
    if version is None or version.status != UPLOADED:
        return
    _remove_items(version.id)
    version.item_count = 0
    version.error_count = 1
    version.errors = [{"row": 0, "column": "", "message": INTERRUPTED}]
    db.session.flush()


jobs.ABANDON_HOOKS["catalog_import"] = abandon_import


def previous_approved(version: CatalogVersion) -> CatalogVersion | None:
    return db.session.scalar(
        select(CatalogVersion).where(CatalogVersion.vendor_id == version.vendor_id,
                                     CatalogVersion.status == APPROVED,
                                     CatalogVersion.number < version.number)
        .order_by(CatalogVersion.number.desc()).limit(1))


def _item_json(item: CatalogItem) -> dict:
    return {"sku": item.sku, "name": item.name, "contract_price": str(item.contract_price)}


def compare_with_previous(version: CatalogVersion) -> dict:
    """Counts and samples of added, removed and changed items, computed in the database."""
    previous = previous_approved(version)
    new, old = aliased(CatalogItem), aliased(CatalogItem)
    old_id = previous.id if previous else -1
    joined = and_(old.sku == new.sku, old.version_id == old_id)
    added = select(new).outerjoin(old, joined).where(new.version_id == version.id, old.id.is_(None))
    removed = (select(old).outerjoin(new, and_(new.sku == old.sku, new.version_id == version.id))
               .where(old.version_id == old_id, new.id.is_(None)))
    changed = (select(old, new).join(new, joined)
               .where(new.version_id == version.id, old.fingerprint != new.fingerprint))
    prices = (select(old.contract_price.label("old"), new.contract_price.label("new")).join(new, joined)
              .where(new.version_id == version.id, old.fingerprint != new.fingerprint).subquery())
    counts = db.session.execute(
        select(func.count(), func.sum(case((prices.c.new > prices.c.old, 1), else_=0)),
               func.sum(case((prices.c.new < prices.c.old, 1), else_=0))).select_from(prices)).one()
    # Samples: the largest relative price changes first.
    ordering = func.abs(new.contract_price - old.contract_price) / func.nullif(old.contract_price, 0)
    changed_rows = db.session.execute(changed.order_by(ordering.desc(), new.sku).limit(SAMPLE)).all()
    count = lambda stmt: db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    return {
        "previous_number": previous.number if previous else None,
        "added": count(added), "removed": count(removed), "changed": counts[0] or 0,
        "price_up": counts[1] or 0, "price_down": counts[2] or 0,
        "samples": {
            "added": [_item_json(i) for i in db.session.scalars(added.order_by(new.sku).limit(SAMPLE))],
            "removed": [_item_json(i) for i in db.session.scalars(removed.order_by(old.sku).limit(SAMPLE))],
            "changed": [{"sku": n.sku, "name": n.name, "old_price": str(o.contract_price),
                         "new_price": str(n.contract_price),
                         "rate": _text(catalog_diff.change_rate(o.contract_price, n.contract_price)),
                         "fields": catalog_diff.changed_fields(o, n)} for o, n in changed_rows],
        },
    }


def _text(value):
    return None if value is None else str(value)


@uow.use_case
def review(office: User, version_id: int, approve: bool, effective_from: date | None,
           note: str | None, today: date) -> CatalogVersion:
    version = db.session.get(CatalogVersion, version_id)
    if version is None:
        raise ReviewError("カタログ版が見つかりません")
    if version.status != PENDING_REVIEW:
        raise ReviewError("この版は審査待ちではありません", "status")
    if approve:
        if effective_from is None or effective_from < today:
            raise ReviewError(f"適用開始日は {today.isoformat()} 以降の日付にしてください", "effective_from")
        state_guard.step(version, CATALOG_VERSION, "approve", office.role.value)
        version.effective_from = effective_from
    else:
        if not (note or "").strip():
            raise ReviewError("差し戻しの理由を入力してください", "note")
        state_guard.step(version, CATALOG_VERSION, "reject", office.role.value)
    version.review_note = (note or "").strip()[:500] or None
    version.reviewed_by_id, version.reviewed_at = office.id, utcnow()
    db.session.flush()
    return version
