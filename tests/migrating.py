"""Flask-Migrate's API for tests: web apps load it only when asked (app/schema.py)."""

from flask import current_app
from flask_migrate import downgrade as _downgrade
from flask_migrate import stamp as _stamp
from flask_migrate import upgrade as _upgrade

from app.schema import init_migrate


def upgrade(*args, **kwargs):
    init_migrate(current_app._get_current_object())
    return _upgrade(*args, **kwargs)


def downgrade(*args, **kwargs):
    init_migrate(current_app._get_current_object())
    return _downgrade(*args, **kwargs)


def stamp(*args, **kwargs):
    init_migrate(current_app._get_current_object())
    return _stamp(*args, **kwargs)
