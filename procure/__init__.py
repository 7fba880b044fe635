"""Joint procurement marketplace for Tokyo's 23 special wards: the app core.

`create_app` imports Flask lazily so that pure modules such as `procure.pricing`
can be imported (and tested) without the web stack.
"""


def create_app(config=None):
    from procure.app import build_app

    return build_app(config)
