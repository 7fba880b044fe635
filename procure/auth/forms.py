from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("メールアドレス"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("パスワード"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("ログイン"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("ログアウト"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("現在のパスワード"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("新しいパスワード（12文字以上）"), validators=[DataRequired(), Length(min=12, max=200)],
                        render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("新しいパスワード（確認）"),
                           validators=[DataRequired(), EqualTo("new", message=_l("確認のパスワードが一致しません"))],
                           render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("パスワードを変更"))
