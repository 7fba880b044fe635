"""`pricing allocate INPUT` through click's CliRunner (no app needed)."""
import json

import pytest
from click.testing import CliRunner

from procure.pricing.cli import pricing_cli
from tests.unit.test_pricing_engine import WORKED_EXAMPLE, worked_example


@pytest.fixture
def run():
    def invoke(*args, input=None):
        return CliRunner().invoke(pricing_cli, ["allocate", *args], input=input)
    return invoke


def totals(stdout: str) -> dict:
    return {p["id"]: p["total"] for p in json.loads(stdout)["participants"]}


def assert_one_line_error(result, starts_with: str):
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(starts_with), result.stderr


def test_allocates_a_file(run, tmp_path):
    path = tmp_path / "input.json"
    path.write_text(json.dumps(WORKED_EXAMPLE), encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1  # one JSON object on one line
    assert totals(result.stdout) == {"A": "150000", "B": "60000", "C": "13000", "D": "6500"}


def test_reads_stdin_with_dash_and_pretty_prints_on_request(run):
    result = run("-", "--indent", "2", input=json.dumps(WORKED_EXAMPLE))
    assert result.exit_code == 0
    assert result.stdout.count("\n") > 10
    assert json.loads(result.stdout)["groups"][2] == {"members": ["A"], "quantity": "50000", "unit_price": "3.0"}


def test_json_numbers_keep_their_written_form(run):
    text = json.dumps(worked_example(tiers=[{"min_quantity": 0, "unit_price": 13.0}]))
    result = run("-", input=text.replace('"unit_price": 13.0', '"unit_price": 13.00'))
    assert json.loads(result.stdout)["groups"][0]["unit_price"] == "13.00"


def test_full_width_digits_and_a_byte_order_mark(run, tmp_path):
    data = worked_example()
    data["participants"][0]["quantity"] = "５００００"
    path = tmp_path / "input.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(data, ensure_ascii=False).encode("utf-8"))
    result = run(str(path))
    assert result.exit_code == 0, result.stderr
    assert totals(result.stdout)["A"] == "150000"


def test_invalid_input_prints_one_line_naming_the_field(run):
    bad = worked_example()
    bad["participants"][2]["quantity"] = "-1"
    assert_one_line_error(run("-", input=json.dumps(bad)), "participants[2].quantity: must be >= 0")
    bad = worked_example(tiers=[{"min_quantity": "5", "unit_price": "1"}])
    assert_one_line_error(run("-", input=json.dumps(bad)), "tiers[0].min_quantity: must be 0")
    bad = worked_example(rounding="banker")
    assert_one_line_error(run("-", input=json.dumps(bad)), 'rounding: unknown rounding "banker"')


def test_nan_in_json_is_refused_by_field(run):
    text = json.dumps(WORKED_EXAMPLE).replace('"quantity": "50000"', '"quantity": NaN')
    assert_one_line_error(run("-", input=text), "participants[0].quantity: must be a finite number")


def test_infeasible_minimum_saving(run):
    result = run("-", input=json.dumps(worked_example(min_savings_rate="0.9")))
    assert_one_line_error(result, "min_savings_rate: infeasible")
    assert "shortfall 199,050 yen" in result.stderr


def test_unreadable_input(run, tmp_path):
    assert_one_line_error(run(str(tmp_path / "missing.json")), "INPUT: cannot read")
    assert_one_line_error(run("-", input="{not json"), "INPUT: is not valid JSON")
    assert_one_line_error(run("-", input="[1, 2]"), "input: must be an object")
    path = tmp_path / "sjis.json"
    path.write_bytes('{"mode": "プール"}'.encode("shift_jis"))
    assert_one_line_error(run(str(path)), "INPUT: is not UTF-8 text")


def test_group_and_command_names():
    assert pricing_cli.name == "pricing"
    assert "allocate" in pricing_cli.commands
    result = CliRunner().invoke(pricing_cli, ["allocate", "--help"])
    assert result.exit_code == 0 and "INPUT" in result.stdout
