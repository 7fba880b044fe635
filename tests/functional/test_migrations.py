"""Migrations carry existing data: tenders evaluated before lots existed keep their results as the
whole-tender lot, on a database whose tables refer to each other (SQLite rebuilds them)."""
import flask_migrate
from sqlalchemy import text

from tests.helpers import make_app, unit_of_work


def test_bid_results_and_awards_survive_the_lots_migration(tmp_path):
    from procure.extensions import db
    from procure.seed import seed_all

    app = make_app(f"sqlite:///{tmp_path / 'old.db'}")
    # The demo data of that time: fee contracts, cost shares and catalog agreements came later.
    app.extensions["demo_seeders"] = tuple(s for s in app.extensions["demo_seeders"] if getattr(
        s[1], "__name__", "") not in ("seed_fees_demo", "seed_cost_shares_demo", "seed_agreements_demo"))
    with unit_of_work(app):
        flask_migrate.upgrade(revision="fe70567a8623")  # before lots
        seed_all(demo=True)
        db.session.execute(text(
            "INSERT INTO tender (id, kind, title, description, status, evaluation_method, qualification, "
            "quantity_tolerance_percent, created_by_id, created_at) "
            "VALUES (1, 'pc', 'old', '', 'awarded', 'lowest', 'each_ward', 10, 1, '2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO bid (id, tender_id, vendor_id, sealed, receipt, status, submitted_at, submitted_by_id, "
            "evaluated_price, valid, invalid_reasons) VALUES "
            "(1, 1, 1, x'00', 'r', 'active', '2026-01-01', 1, 12345, 1, NULL), "
            "(2, 1, 2, x'00', 'r', 'active', '2026-01-01', 1, 999, 0, '[\"理由\"]')"))
        db.session.execute(text("INSERT INTO tender_award (tender_id, bid_id, vendor_id, price, awarded_by_id, "
                                "awarded_at) VALUES (1, 1, 1, 12345, 1, '2026-01-02')"))
        db.session.commit()
        db.engine.dispose()
        flask_migrate.upgrade()
        rows = db.session.execute(text("SELECT bid_id, lot_code, evaluated_price, valid, invalid_reasons "
                                       "FROM bid_evaluation ORDER BY bid_id")).all()
        assert [(r[0], r[1], int(r[2]), bool(r[3])) for r in rows] == [(1, "", 12345, True), (2, "", 999, False)]
        assert "理由" in rows[1][4]
        assert db.session.execute(text("SELECT lot_code, bid_id FROM tender_award")).all() == [("", 1)]
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1  # back on for the app
        db.engine.dispose()
