from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

MONTH = Regexp(r"^\d{4}-\d{2}$", message=_l("YYYY-MM の形で入力してください"))


class MonthForm(FlaskForm):
    month = StringField(_l("対象月（YYYY-MM）"), validators=[DataRequired(_l("対象月を入力してください")), MONTH])


class InvoiceUploadForm(FlaskForm):
    file = FileField(_l("請求書ファイル（JP PINT の XML または Excel）"), validators=[
        FileRequired(_l("ファイルを選んでください")),
        FileAllowed(["xml", "xlsx"], _l("XML または xlsx ファイルを選んでください"))])
