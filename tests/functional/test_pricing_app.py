"""The pricing engine inside the app: CLI, API and the office simulation page."""
import io
import json

import openpyxl
import pytest

from tests.helpers import api_token, csrf_token

WORKED_EXAMPLE = {
    "mode": "grouped",
    "participants": [
        {"id": "A", "quantity": "50000", "standalone_amount": "200000"},
        {"id": "B", "quantity": "10000", "standalone_amount": "80000"},
        {"id": "C", "quantity": "1000", "standalone_amount": "12000"},
        {"id": "D", "quantity": "500", "standalone_amount": "12500"},
    ],
    "tiers": [{"min_quantity": "0", "unit_price": "13.0"},
              {"min_quantity": "10000", "unit_price": "6.0"},
              {"min_quantity": "50000", "unit_price": "3.0"}],
    "group_breaks": ["5000", "40000"],
}


def totals_by_id(result):
    return {p["id"]: p["total"] for p in result["participants"]}


def test_flask_cli_allocates_the_worked_example(runner, tmp_path):
    path = tmp_path / "input.json"
    path.write_text(json.dumps(WORKED_EXAMPLE))
    result = runner.invoke(args=["pricing", "allocate", str(path)])
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert totals_by_id(output) == {"A": "150000", "B": "60000", "C": "13000", "D": "6500"}


def test_flask_cli_reads_stdin_and_reports_bad_input_on_one_line(runner):
    result = runner.invoke(args=["pricing", "allocate", "-"], input=json.dumps(WORKED_EXAMPLE))
    assert result.exit_code == 0
    bad = dict(WORKED_EXAMPLE, tiers=[{"min_quantity": "5", "unit_price": "1"}])
    result = runner.invoke(args=["pricing", "allocate", "-"], input=json.dumps(bad))
    assert result.exit_code != 0 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "tiers" in result.stderr


def bearer(client, email):
    return {"Authorization": f"Bearer {api_token(client, email)}"}


def test_api_allocate_for_the_office(client):
    response = client.post("/api/v1/pricing/allocate", json=WORKED_EXAMPLE,
                           headers=bearer(client, "office@example.jp"))
    assert response.status_code == 200
    result = response.get_json()
    assert totals_by_id(result) == {"A": "150000", "B": "60000", "C": "13000", "D": "6500"}
    assert [p["savings_rate"] for p in result["participants"]][::3] == ["0.2500", "0.4800"]


@pytest.mark.parametrize("email", ["staff@shibuya.example.jp", "vendor@pc.example.jp"])
def test_api_allocate_is_office_only(client, email):
    response = client.post("/api/v1/pricing/allocate", json=WORKED_EXAMPLE, headers=bearer(client, email))
    assert response.status_code == 403


def test_api_allocate_invalid_and_infeasible_are_422(client):
    headers = bearer(client, "office@example.jp")
    bad = dict(WORKED_EXAMPLE, participants=[{"id": "A", "quantity": "-1"}])
    response = client.post("/api/v1/pricing/allocate", json=bad, headers=headers)
    assert response.status_code == 422
    assert "participants[0].quantity" in response.get_json()["error"]["message"]
    infeasible = dict(WORKED_EXAMPLE, min_savings_rate="0.9")
    response = client.post("/api/v1/pricing/allocate", json=infeasible, headers=headers)
    assert response.status_code == 422
    assert "infeasible" in response.get_json()["error"]["message"].lower()


def simulation_form(client, **extra):
    data = {"csrf_token": csrf_token(client, "/office/pricing/simulation"), "tiers": "0:13\n10000:6\n50000:3",
            "group_breaks": "5000, 40000", "max_groups": "3", "base_fee": "0", "shared_cost": "",
            "weight_equal": "4", "weight_population": "6", "weight_quantity": "0",
            "min_savings_percent": "", "rounding": "down", "action": "calculate",
            # seed 004 third round, on four wards; full-width digits as people type them
            "q_131130": "５００００", "s_131130": "200,000",
            "q_131121": "10000", "s_131121": "80000",
            "q_131016": "1000", "s_131016": "12000",
            "q_131024": "500", "s_131024": "12500"}
    data.update(extra)
    return data


def test_simulation_page_compares_three_modes(client, login):
    login("office@example.jp")
    response = client.post("/office/pricing/simulation", data=simulation_form(client))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    for heading in ("一括（全体合算）", "個別", "グループ別"):
        assert heading in page
    assert "¥150,000" in page and "25.00%" in page and "48.00%" in page
    assert "<svg" in page and "区別の削減額" in page


def test_simulation_page_names_the_bad_field(client, login):
    login("office@example.jp")
    response = client.post("/office/pricing/simulation",
                           data=simulation_form(client, q_131130="たくさん", tiers="0-13"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "「0-13」" in page or "1行目" in page
    assert "渋谷区 数量" in page and "数値ではありません" in page


def test_simulation_download_is_a_real_workbook(client, login):
    login("office@example.jp")
    response = client.post("/office/pricing/simulation", data=simulation_form(client, action="download"))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["比較", "一括（全体合算）", "個別", "グループ別"]
    grouped = {row[0]: row for row in book["グループ別"].iter_rows(min_row=2, values_only=True)}
    assert grouped["渋谷区"][8] == 150000 and grouped["中央区"][8] == 6500


def test_simulation_upload_from_the_template(client, login):
    login("office@example.jp")
    template = client.get("/office/pricing/simulation-template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(template.data))
    demand = book["参加区"]
    assert demand.max_row == 24  # header + 23 wards
    for row in demand.iter_rows(min_row=2):
        if row[0].value == "131130":
            row[2].value, row[3].value = 50000, 200000
        if row[0].value == "131105":
            row[2].value = "=1+1"
    buffer = io.BytesIO()
    book.save(buffer)
    data = simulation_form(client)
    data = {k: v for k, v in data.items() if not k.startswith(("q_", "s_"))}
    data["upload"] = (io.BytesIO(buffer.getvalue()), "demand.xlsx")
    response = client.post("/office/pricing/simulation", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "参加区 11行目 数量: 数式は使えません" in page
    # fix the formula and upload again
    for row in demand.iter_rows(min_row=2):
        if row[0].value == "131105":
            row[2].value = 2000
    buffer = io.BytesIO()
    book.save(buffer)
    data["csrf_token"] = csrf_token(client, "/office/pricing/simulation")
    data["upload"] = (io.BytesIO(buffer.getvalue()), "demand.xlsx")
    response = client.post("/office/pricing/simulation", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    assert "¥150,000" in response.get_data(as_text=True)


def test_simulation_refuses_a_non_xlsx_upload(client, login):
    login("office@example.jp")
    data = simulation_form(client)
    data["upload"] = (io.BytesIO(b"not a workbook"), "demand.xlsx")
    response = client.post("/office/pricing/simulation", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Excel ファイル（.xlsx）として読み込めません" in response.get_data(as_text=True)


def test_simulation_upload_refuses_a_zip_bomb_and_reports_bad_cells(client, login):
    from openpyxl import Workbook

    from tests.unit.test_sheets import book_bytes, rows_xml, with_sheet_xml

    login("office@example.jp")
    data = simulation_form(client)
    data["upload"] = (io.BytesIO(with_sheet_xml(book_bytes([["a"]]), rows_xml(2_500_000))), "demand.xlsx")
    bomb = client.post("/office/pricing/simulation", data=data, content_type="multipart/form-data")
    assert bomb.status_code == 422 and "展開後のサイズが上限を超えています" in bomb.get_data(as_text=True)
    book = Workbook()
    book.active.title = "参加区"
    for row in (("区コード", "区名", "数量", "単独見積額"), ("131130", None, "=1+1", None),
                ("131121", None, "1E+400", None), ("_x001B_", None, 5, None)):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = simulation_form(client)
    data["upload"] = (io.BytesIO(buffer.getvalue()), "demand.xlsx")
    bad = client.post("/office/pricing/simulation", data=data, content_type="multipart/form-data")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    for reason in ("参加区 2行目 数量: 数式は使えません", "参加区 3行目 数量: 0 以上", "参加区 4行目 区コード/区名: 制御文字"):
        assert reason in html, reason
