"""WTForms fields that accept how Japanese users type numbers (full-width, separators)."""
from wtforms import StringField
from wtforms.validators import ValidationError

from procure.textnorm import parse_decimal


class JapaneseDecimalField(StringField):
    """A decimal typed as text: '１，２００' and '1,200円' both mean Decimal('1200')."""

    def __init__(self, label=None, validators=None, minimum=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum = minimum
        self.decimal = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.decimal = None

    def pre_validate(self, form):
        text = (self.data or "").strip()
        if not text:
            return
        try:
            self.decimal = parse_decimal(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if self.minimum is not None and self.decimal < self.minimum:
            raise ValidationError(f"{self.minimum} 以上の数値を入力してください")
