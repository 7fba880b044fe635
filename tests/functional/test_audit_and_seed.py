"""Audit log (append-only, before/after, who) and idempotent seeding."""
import pytest
from sqlalchemy import func, inspect, select, text

from procure.audit import AppendOnlyError, AuditLog
from procure.extensions import db
from procure.models import Vendor
from tests.helpers import sign_in, unit_of_work


def table_counts():
    return {table: db.session.scalar(select(func.count()).select_from(text(f'"{table}"')))
            for table in inspect(db.engine).get_table_names() if table != "alembic_version"}


def test_seeding_twice_changes_nothing(app, runner):
    with unit_of_work(app):
        before = table_counts()
        last_audit = db.session.scalar(select(func.max(AuditLog.id)))
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with unit_of_work(app):
        assert table_counts() == before
        assert db.session.scalar(select(func.max(AuditLog.id))) == last_audit
        assert before["ward"] == 23 and before["user_account"] == 11


def test_a_change_is_audited_with_before_after_and_actor(app):
    from procure import audit

    with unit_of_work(app):
        vendor = db.session.scalar(select(Vendor).filter_by(corporate_number="2011001071234"))
        token = audit.set_actor(42, "office@example.jp")
        try:
            vendor.is_sme = False
            db.session.commit()
        finally:
            audit.reset_actor(token)
        entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert (entry.action, entry.entity, entry.entity_id) == ("update", "vendor", str(vendor.id))
        assert entry.before == {"is_sme": True} and entry.after == {"is_sme": False}
        assert (entry.actor_id, entry.actor) == (42, "office@example.jp")
        assert entry.at.tzinfo is not None


def test_sign_in_is_audited_with_the_user(app, client):
    sign_in(client, "staff@shibuya.example.jp", "wrong")
    sign_in(client, "staff@shibuya.example.jp")
    with unit_of_work(app):
        actions = db.session.execute(select(AuditLog.action, AuditLog.actor)
                                     .order_by(AuditLog.id.desc()).limit(2)).all()
    assert actions == [("sign_in", "staff@shibuya.example.jp"), ("sign_in_failed", "anonymous@127.0.0.1")]


def test_passwords_never_reach_the_audit_log(app):
    with unit_of_work(app):
        rows = db.session.scalars(select(AuditLog).where(AuditLog.entity == "user_account")).all()
        assert rows and all(r.after is None or r.after.get("password_hash") in (None, "***") for r in rows)


def test_orm_refuses_to_change_or_delete_audit_entries(app):
    with unit_of_work(app):
        entry = db.session.scalars(select(AuditLog)).first()
        entry.actor = "someone else"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalars(select(AuditLog)).first())
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_database_refuses_to_change_audit_entries(app, statement):
    from sqlalchemy.exc import DBAPIError

    with unit_of_work(app):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) > 0


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with unit_of_work(app), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_vendor_numbers_are_validated_on_every_write(app):
    from procure.codes import CodeError

    with unit_of_work(app):
        vendor = db.session.scalar(select(Vendor).filter_by(corporate_number="2011001071234"))
        with pytest.raises(CodeError, match="検査数字"):
            vendor.invoice_registration_number = "T3011001071234"
        vendor.invoice_registration_number = "Ｔ２０１１００１０７１２３４"
        assert vendor.invoice_registration_number == "T2011001071234"
