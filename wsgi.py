"""Entry point: `gunicorn wsgi:app` and `flask --app wsgi ...`."""

import sys

from app import create_app
from app.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    print(f"Configuration error: {error}", file=sys.stderr)
    sys.exit(2)
