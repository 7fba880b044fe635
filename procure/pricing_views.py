"""Office page 価格配分シミュレーション and the pricing API (thin: parse, call, render)."""
from flask import Blueprint, current_app, render_template, request, send_file
from sqlalchemy import select
import io

from procure.charts import bar_chart_svg
from procure.extensions import db
from procure.models import Role, Ward
from procure.permissions import allow
from procure.pricing import PricingInputError
from procure.pricing_forms import SimulationForm
from procure.simulation import allocation_input, compare_modes, savings_series
from procure.simulation_xlsx import MODE_NAMES, comparison_workbook, read_upload, template_workbook
from procure.textnorm import parse_decimal

bp = Blueprint("pricing", __name__, url_prefix="/office/pricing")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _wards():
    return db.session.scalars(select(Ward).order_by(Ward.code)).all()


def _demand_from_form(wards, errors: dict) -> dict:
    """Ward grid: q_<code> and s_<code> fields; full-width digits accepted."""
    demand = {}
    for ward in wards:
        values = []
        for prefix in ("q", "s"):
            text = request.form.get(f"{prefix}_{ward.code}", "").strip()
            try:
                value = parse_decimal(text) if text else None
                if value is not None and value < 0:
                    raise ValueError("0 以上の数値を入力してください")
            except ValueError as exc:
                errors[f"{prefix}_{ward.code}"] = str(exc)
                value = None
            values.append(value)
        if values[0] is not None:
            demand[ward.code] = tuple(values)
    return demand


def _participants(wards, demand) -> list[dict]:
    return [{"id": w.code, "quantity": str(demand[w.code][0]), "population": w.population,
             **({"standalone_amount": str(demand[w.code][1])} if demand[w.code][1] is not None else {})}
            for w in wards if w.code in demand]


def compare(form: SimulationForm, wards, demand: dict, tiers=None):
    """The three policies side by side for this demand: (outcomes, error, chart)."""
    if not demand:
        return None, "数量を1区以上入力してください", None
    try:
        outcomes = compare_modes(allocation_input(form.settings(tiers), _participants(wards, demand)))
    except PricingInputError as exc:
        return None, str(exc), None
    ids = [w.code for w in wards if w.code in demand]
    labels = [w.name_ja for w in wards if w.code in demand]
    series = {MODE_NAMES[m]: v for m, v in savings_series(outcomes, ids).items()}
    return outcomes, None, bar_chart_svg("区別の削減額（円）", labels, series)


def render_simulation(form: SimulationForm, wards, demand: dict, outcomes=None, engine_error=None, chart=None,
                      grid_errors=None, upload_errors=None, **extra):
    status = 422 if (form.errors or grid_errors or upload_errors or engine_error) else 200
    return render_template("office/pricing_simulation.html", form=form, wards=wards,
                           demand=demand, grid_errors=grid_errors or {}, upload_errors=upload_errors or [],
                           engine_error=engine_error, outcomes=outcomes, chart=chart,
                           mode_names=MODE_NAMES, names={w.code: w.name_ja for w in wards}, **extra), status


@bp.route("/simulation", methods=["GET", "POST"])
@allow(Role.OFFICE)
def simulation():
    wards = _wards()
    form = SimulationForm()
    grid_errors, upload_errors, outcomes, engine_error, chart = {}, [], None, None, None
    demand = {}
    if request.method == "POST":  # report grid errors together with the settings' errors
        demand = _demand_from_form(wards, grid_errors)
    if form.validate_on_submit():
        tiers = None
        if form.upload.data:
            upload = read_upload(form.upload.data.stream, wards)
            upload_errors = upload.errors
            if not upload_errors:
                demand, tiers = upload.demand, upload.tiers
                if tiers:
                    form.tiers.data = "\n".join(f"{q}:{p}" for q, p in tiers)
        if not grid_errors and not upload_errors:
            outcomes, engine_error, chart = compare(form, wards, demand, tiers)
        if outcomes and request.form.get("action") == "download":
            names = {w.code: w.name_ja for w in wards}
            return send_file(io.BytesIO(comparison_workbook(outcomes, names)), mimetype=XLSX,
                             as_attachment=True, download_name="price-allocation.xlsx")
    return render_simulation(form, wards, demand, outcomes, engine_error, chart, grid_errors, upload_errors,
                             sources=current_app.extensions.get("simulation_sources", lambda: [])())


@bp.get("/simulation-template.xlsx")
@allow(Role.OFFICE)
def simulation_template():
    return send_file(io.BytesIO(template_workbook(_wards())), mimetype=XLSX, as_attachment=True,
                     download_name="price-allocation-template.xlsx")
