"""Forms of the catalog pages (forms with one row per line use procure.forms.CsrfForm)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class CatalogUploadForm(FlaskForm):
    file = FileField(_l("カタログファイル（.xlsx）"), validators=[
        FileRequired(_l("ファイルを選んでください")),
        FileAllowed(["xlsx"], _l("xlsx ファイルを選んでください"))])


class ReviewForm(FlaskForm):
    effective_from = DateField(_l("適用開始日"), validators=[Optional()])
    note = TextAreaField(_l("審査コメント（差し戻しの場合は必須）"), validators=[Length(max=500)])


class MonthCloseForm(FlaskForm):
    month = StringField(_l("対象月（YYYY-MM）"), validators=[
        DataRequired(_l("対象月を入力してください")),
        Regexp(r"^\d{4}-\d{2}$", message=_l("YYYY-MM の形で入力してください"))])
