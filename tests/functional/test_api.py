"""The API frame: tokens, /me, /wards, JSON errors and the OpenAPI document."""
import csv
from pathlib import Path

from openapi_spec_validator import validate

from tests.helpers import api_token

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "wards.tsv"
SEED = Path(__file__).resolve().parents[2] / "seed_data" / "wards.tsv"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def reference_wards():
    source = REFERENCE if REFERENCE.exists() else SEED
    with open(source, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_seed_copy_matches_the_shared_reference():
    if REFERENCE.exists():
        assert SEED.read_text(encoding="utf-8") == REFERENCE.read_text(encoding="utf-8")


def test_token_then_me(client):
    token = api_token(client, "staff@shibuya.example.jp")
    me = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["role"] == "ward_staff" and me["ward"]["code"] == "131130"


def test_wards_returns_the_23_wards_with_reference_figures(client):
    token = api_token(client, "vendor@pc.example.jp")
    wards = client.get("/api/v1/wards", headers=bearer(token)).get_json()["wards"]
    expected = reference_wards()
    assert len(wards) == 23
    assert [w["code"] for w in wards] == [r["code"] for r in expected]
    for got, row in zip(wards, expected):
        assert got["name_ja"] == row["name_ja"] and got["name_en"] == row["name_en"]
        assert got["population"] == int(row["population_2020"])
        assert got["households"] == (int(row["households"]) if row["households"] else None)
    edogawa = next(w for w in wards if w["name_en"] == "Edogawa")
    assert edogawa["households"] is None  # not verified: never invented


def test_wrong_password_is_401_json(client):
    response = client.post("/api/v1/tokens", json={"email": "office@example.jp", "password": "no"})
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "Wrong e-mail address or password"


def test_missing_field_is_422_naming_it(client):
    response = client.post("/api/v1/tokens", json={"email": "office@example.jp"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "password"


def test_non_json_body_is_400(client):
    response = client.post("/api/v1/tokens", data="email=x", content_type="text/plain")
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]["message"]


def test_unknown_api_path_and_method_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404
    response = client.put("/api/v1/wards")
    assert response.status_code == 405 and response.get_json()["error"]["status"] == 405


def test_bad_and_revoked_tokens_are_401(client):
    assert client.get("/api/v1/me", headers=bearer("forged")).status_code == 401
    token = api_token(client, "office@example.jp")
    assert client.delete("/api/v1/tokens/current", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_openapi_document_is_valid_and_complete(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        path = path.replace("{int:", "{")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {rule.rule} is not documented"
