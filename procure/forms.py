"""Forms every package shares. Forms with one row per line use `CsrfForm` and parse the line
fields with procure.textnorm in the view's use case, so that full-width digits work everywhere."""
from flask_wtf import FlaskForm


class CsrfForm(FlaskForm):
    """Only the CSRF token: the fields are per line and parsed by the view's use case."""
