"""axe-core (the copy bundled with axe-playwright-python) over every page each demo role can open,
in headless Chromium, at desktop and phone width: no WCAG 2.1 A/AA violation, and at phone width
no page wider than the screen."""
import pytest

from tests.browser.test_sign_in_journey import sign_in
from tests.functional.test_access_matrix import ROLE_USERS, ids  # noqa: F401 (the rows pages show)
from tests.functional.test_access_matrix import pages_of as matrix_pages

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Pages a ward role sees with forms of its own (approving, paying, settings).
OWN_FORMS = {"ward_approver": {"/ward/approvals", "/ward/approval-rule", "/ward/budgets"},
             "ward_inspector": {"/ward/billing", "/ward/account", "/ward/inspections", "/ward/payments"}}


def pages_of(role: str, refs: dict) -> list[str]:
    """The role's own pages of the access matrix, with the rows of the matrix's fixture, and every
    tender of the demo seed (each in another state) on the role's tender page."""
    from sqlalchemy import select

    from procure.extensions import db
    from tenders.models import Tender

    paths = matrix_pages(role, refs)
    side = {"office": "office", "vendor": "vendor"}.get(role, "ward")
    tenders = db.session.scalars(select(Tender.id).order_by(Tender.id)).all()
    return paths + [f"/{side}/tenders/{t}" for t in tenders if f"/{side}/tenders/{t}" not in paths]


def violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str)
                                                                         else str(n["target"][0]) for n in v["nodes"][:3])
            for v in result.response["violations"]]


@pytest.mark.parametrize("role,language", [("office", "ja"), ("ward_staff", "ja"), ("ward_approver", "ja"),
                                           ("ward_inspector", "ja"), ("vendor", "ja"),
                                           ("office", "en"), ("ward_staff", "en"), ("vendor", "en")])
def test_every_page_of_a_role_is_axe_clean(app, ids, page, live_server, role, language):  # noqa: F811
    from tests.helpers import unit_of_work

    with unit_of_work(app):
        paths = pages_of(role, ids)
        if role in OWN_FORMS:  # the rest they share with staff, who are judged there
            paths = [p for p in paths if p in OWN_FORMS[role]]
    found = {}
    page.goto(f"{live_server}/login")
    found["/login"] = violations(page)
    sign_in(page, live_server, ROLE_USERS[role])
    page.wait_for_load_state()
    if language == "en":  # English labels are longer: judged too
        page.goto(f"{live_server}/lang/en?next=/")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            response = page.goto(f"{live_server}{path}")
            if response.status != 200:  # a tender not open to this side yet: nothing to judge
                assert response.status in (403, 404), (path, response.status)
                continue
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue  # a progress poll (JSON), not a page
            problems = violations(page)
            if width == 390:  # usable at phone width: wide tables scroll in their own region, the page does not
                overflow = page.evaluate("document.documentElement.scrollWidth")
                if overflow > width:
                    problems.append(f"the page is {overflow}px wide at {width}px")
            if problems:
                found[f"{path} @{width}px"] = problems
    assert {path: problems for path, problems in found.items() if problems} == {}
    assert len(paths) >= (2 if role in OWN_FORMS else 8)


def test_axe_finds_what_it_should(page, live_server):
    """The check bites: an unlabelled field and an image without text are violations."""
    page.goto(f"{live_server}/login")
    page.evaluate("""document.querySelector('main').insertAdjacentHTML('beforeend',
                     '<input id="bare" type="text"><img src="/static/none.png">')""")
    found = " ".join(violations(page))
    assert "label" in found and "image-alt" in found
