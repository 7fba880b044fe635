"""`flask pricing allocate INPUT`: run the allocation engine on a JSON file or stdin ('-').

Prints one JSON object (contract: allocation.md) on stdout and exits 0. On invalid input or an
infeasible minimum saving it prints nothing on stdout, one line on stderr naming the field and
why, and exits 1. Pure apart from click: registered by the app with app.cli.add_command.
"""
import json
import sys
from decimal import Decimal

import click

from procure.pricing.engine import PricingError, PricingInputError, allocate_json


@click.group("pricing", help="Group-tiered pricing and cost allocation.")
def pricing_cli():
    pass


@pricing_cli.command("allocate")
@click.argument("input_path", metavar="INPUT")
@click.option("--indent", type=click.IntRange(min=0), default=None,
              help="Pretty-print the JSON with this many spaces.")
def allocate_command(input_path: str, indent: int | None):
    """Allocate the JSON input in INPUT (a path, or '-' for stdin)."""
    try:
        result = allocate_json(read_input(input_path))
    except PricingError as exc:
        click.echo(" ".join(str(exc).splitlines()), err=True)
        sys.exit(1)
    click.echo(json.dumps(result, ensure_ascii=False, indent=indent))


def read_input(path: str):
    """Parsed JSON from a file or stdin; JSON numbers with a point become exact Decimals."""
    try:
        with click.open_file(path, "rb") as handle:  # '-' is stdin
            raw = handle.read()
    except OSError as exc:
        raise PricingInputError("INPUT", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")  # files saved on Windows often start with a BOM
    except UnicodeDecodeError:
        raise PricingInputError("INPUT", "is not UTF-8 text") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise PricingInputError("INPUT", f"is not valid JSON ({exc.msg} at line {exc.lineno} "
                                         f"column {exc.colno})") from None
