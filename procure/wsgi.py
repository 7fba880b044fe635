"""WSGI entry point for gunicorn: `gunicorn procure.wsgi:app`."""
from procure import create_app

app = create_app()
with app.app_context():
    # Jobs left running by a process that died (a crash, a restart) are put back or failed now,
    # not only when someone next looks at them.
    app.extensions["jobs"].kick()
