"""No input is ever a 500: every POST form on every page a role opens (the access matrix's pages
with its fixture's rows), each field in turn given an odd value (what a forged or careless form
sends), is answered with a page, a redirect or a refusal, never a server error."""
from html.parser import HTMLParser

import pytest

from tests.functional.test_access_matrix import ROLE_USERS, ids, pages_of  # noqa: F401 (ids: the rows pages show)
from tests.helpers import sign_in

ODD = ("foo", "-1", "９" * 24, "1e400", "\x00", "2026-02-30", "a" * 5000)


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields with their values as shown."""

    def __init__(self):
        super().__init__()
        self.forms, self._current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._current = {"action": attrs.get("action"), "fields": {}}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "textarea", "select") and attrs.get("name"):
            if attrs.get("type") != "file":
                self._current["fields"].setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _forms(client, path):
    page = client.get(path)
    if page.status_code != 200 or not page.content_type.startswith("text/html"):
        return []
    parser = _Forms()
    parser.feed(page.get_data(as_text=True))
    return parser.forms


@pytest.mark.parametrize("role", ["office", "ward_staff", "ward_approver", "ward_inspector", "vendor"])
def test_odd_values_in_any_form_field_are_never_a_server_error(app, ids, role):  # noqa: F811
    client = app.test_client()
    sign_in(client, ROLE_USERS[role])
    failures, tried = [], 0
    for path in pages_of(role, ids):
        for index, form in enumerate(_forms(client, path)):
            action = form["action"] or path
            if action.endswith("/logout"):
                continue
            for name in form["fields"]:
                if name == "csrf_token":
                    continue
                for odd in ODD:
                    fresh = _forms(client, path)  # a fresh token and the form as it is now
                    if index >= len(fresh):
                        break
                    response = client.post(action, data={**fresh[index]["fields"], name: odd})
                    tried += 1
                    if response.status_code >= 500:
                        failures.append(f"{path} → {action} {name}={odd[:12]!r}: {response.status_code}")
    assert failures == [] and tried > 20
