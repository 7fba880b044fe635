"""単価契約 with catalog vendors: the office records how each was awarded, the law's limits are
applied, and the reviewer of a catalog sees the agreement it rests on (or that there is none)."""
from sqlalchemy import select

from tests.catalog_data import catalog_row, catalog_xlsx
from tests.functional.test_catalog_versions import VENDOR, upload
from tests.helpers import csrf_token, sign_in, unit_of_work

PAGE = "/office/catalog/agreements"


def vendor_id(app, name):
    from procure.extensions import db
    from procure.models import Vendor

    with unit_of_work(app):
        return db.session.scalar(select(Vendor.id).filter_by(name=name))


def post(client, **fields):
    form = {"title": "令和9年度 コピー用紙単価契約", "procurement_method": "open", "procurement_ground": "",
            "estimated": "", "concluded_on": "2035-03-01", "starts": "2035-04-01", "ends": "2036-03-31", **fields}
    return client.post(PAGE, data={**form, "csrf_token": csrf_token(client, PAGE)}, follow_redirects=True)


def test_the_office_records_how_each_agreement_was_awarded(app, client, login):
    from catalog.models import FrameworkAgreement
    from procure.extensions import db

    login("office@example.jp")
    bunguya = vendor_id(app, "株式会社文具屋")
    page = client.get(PAGE).get_data(as_text=True)
    assert "株式会社文具屋" in page and "一般競争入札" in page  # the demo seed's agreements

    small = post(client, vendor=bunguya, procurement_method="limited", procurement_ground="令167の2①一",
                 estimated="２，０００，０００")
    assert small.status_code == 422
    assert "予定価格 2,000,000 円は財産の買入れの少額随意契約の限度額 1,500,000 円" in small.get_data(as_text=True)
    assert 'value="２，０００，０００"' in small.get_data(as_text=True)  # what was typed is kept
    backwards = post(client, vendor=bunguya, starts="2036-04-01", ends="2035-04-01")
    assert backwards.status_code == 422 and "終期は始期以降" in backwards.get_data(as_text=True)
    with unit_of_work(app):  # the demo seed's agreement for this fiscal year
        seeded = db.session.scalar(select(FrameworkAgreement).filter_by(vendor_id=bunguya))
        ends = seeded.ends
    overlapping = post(client, vendor=bunguya, starts=ends.isoformat(), ends=ends.replace(year=ends.year + 1).isoformat(),
                       concluded_on=(ends.replace(day=1)).isoformat())
    assert overlapping.status_code == 422 and "期間の重なる単価契約" in overlapping.get_data(as_text=True)

    # 随意契約 on another ground (性質又は目的) above the limit: recorded, with a warning to document it.
    done = post(client, vendor=bunguya, procurement_method="limited", procurement_ground="令167の2①二",
                estimated="3000000")
    shown = done.get_data(as_text=True)
    assert done.status_code == 200 and "単価契約を登録しました" in shown
    assert "財産の買入れの少額随意契約の限度額 1,500,000 円（別表第5）を超えます" in shown and "理由" in shown
    with unit_of_work(app):
        (agreement,) = db.session.scalars(select(FrameworkAgreement).filter_by(
            vendor_id=bunguya, title="令和9年度 コピー用紙単価契約")).all()
        assert (agreement.procurement_method, agreement.procurement_ground) == ("limited", "令167の2①二")
        assert agreement.estimated_amount == 3000000

    staff = app.test_client()
    sign_in(staff, "staff@shibuya.example.jp")
    assert staff.get(PAGE).status_code == 403


def test_the_reviewer_sees_the_agreement_a_catalog_rests_on(app, client, login):
    from catalog.models import FrameworkAgreement
    from procure.extensions import db

    login(VENDOR)
    version_id = upload(app, client, catalog_xlsx([catalog_row("AG-1")]))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/vendor/")})
    login("office@example.jp")
    page = client.get(f"/office/catalog/{version_id}").get_data(as_text=True)
    assert "事務用品等単価契約" in page and "一般競争入札" in page
    with unit_of_work(app):
        db.session.execute(FrameworkAgreement.__table__.delete())
        db.session.commit()
    page = client.get(f"/office/catalog/{version_id}").get_data(as_text=True)
    assert "有効な単価契約が登録されていません" in page
