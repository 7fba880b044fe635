from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from procure.fields import JapaneseDecimalField
from procure.simulation import SimulationSettings, parse_breaks, parse_tier_lines


class SimulationForm(FlaskForm):
    tiers = TextAreaField(_l("数量段階単価（1行に「数量下限:単価」）"), default="0:13\n10000:6\n50000:3")
    group_breaks = StringField(_l("グループ境界（任意、例: 5000, 40000）"))
    max_groups = JapaneseDecimalField(_l("自動グループ分けの最大グループ数"), default="3",
                                      minimum=Decimal(1))
    base_fee = JapaneseDecimalField(_l("基本料金（円／区）"), default="0", minimum=Decimal(0))
    shared_cost = JapaneseDecimalField(_l("共通経費（円）"), minimum=Decimal(0))
    weight_equal = JapaneseDecimalField(_l("均等割"), default="4", minimum=Decimal(0))
    weight_population = JapaneseDecimalField(_l("人口割"), default="6", minimum=Decimal(0))
    weight_quantity = JapaneseDecimalField(_l("数量割"), default="0", minimum=Decimal(0))
    min_savings_percent = JapaneseDecimalField(_l("最低削減率（%、任意）"), minimum=Decimal(0))
    rounding = SelectField(_l("円未満の端数"), choices=[
        SelectChoice("down", _l("切り捨て")), SelectChoice("half_up", _l("四捨五入")), SelectChoice("up", _l("切り上げ"))])
    upload = FileField(_l("Excel から読み込む（任意）"), validators=[
        FileAllowed(["xlsx"], _l("xlsx ファイルを選んでください"))])

    def validate_tiers(self, field):
        try:
            parse_tier_lines(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate_group_breaks(self, field):
        try:
            parse_breaks(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate_max_groups(self, field):
        if field.decimal is not None and field.decimal != field.decimal.to_integral_value():
            raise ValidationError(_l("整数を入力してください"))

    def validate_min_savings_percent(self, field):
        if field.decimal is not None and field.decimal >= 100:
            raise ValidationError(_l("100 未満にしてください"))

    def settings(self, tiers=None) -> SimulationSettings:
        percent = self.min_savings_percent.decimal
        return SimulationSettings(
            tiers=tiers or parse_tier_lines(self.tiers.data),
            group_breaks=parse_breaks(self.group_breaks.data),
            max_groups=int(self.max_groups.decimal or 3),
            base_fee=self.base_fee.decimal or Decimal(0),
            shared_cost=self.shared_cost.decimal,
            weights={"equal": self.weight_equal.decimal or Decimal(0),
                     "population": self.weight_population.decimal or Decimal(0),
                     "quantity": self.weight_quantity.decimal or Decimal(0)},
            min_savings_rate=None if percent is None else percent / 100,
            rounding=self.rounding.data,
        )
