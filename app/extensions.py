"""Extensions, created unbound and initialised in create_app (Flask-Migrate: app/schema.py)."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.db import Base, RequestSession

db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
