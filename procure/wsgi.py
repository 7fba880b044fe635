"""WSGI entry point for gunicorn: `gunicorn procure.wsgi:app`."""
from procure import create_app

app = create_app()
