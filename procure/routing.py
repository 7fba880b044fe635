"""URL converters: an `<int:...>` id beyond what the database can hold (ids are INTEGER columns,
32-bit signed on PostgreSQL) does not match the route, so it is a 404 like any unknown id, never
an overflow (500) or a refused value (422)."""
from werkzeug.routing import IntegerConverter

MAX_ID = 2 ** 31 - 1  # the largest INTEGER id


class BoundedIntegerConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max if max is not None else MAX_ID,
                         signed=signed)


def init_app(app) -> None:
    """Before any route is added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
