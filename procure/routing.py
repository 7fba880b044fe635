"""URL converters: an `<int:...>` id beyond what the database can hold (a 64-bit signed integer)
does not match the route, so it is a 404 like any unknown id, never an overflow (500)."""
from werkzeug.routing import IntegerConverter

MAX_ID = 2 ** 63 - 1


class BoundedIntegerConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max if max is not None else MAX_ID,
                         signed=signed)


def init_app(app) -> None:
    """Before any route is added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
