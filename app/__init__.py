"""Application factory: a short list of register steps."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.config import ConfigError, build_config
from app.security import CleanRequest, IdConverter
from app.templating import SiteTemplates

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    check_checkout_layout()
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.request_class = CleanRequest
    app.jinja_environment = SiteTemplates  # before anything creates app.jinja_env
    app.url_map.converters["int"] = IdConverter
    app.config.update(build_config(app.instance_path, config))
    app.instance_path = str(Path(app.config.get("INSTANCE_PATH") or app.instance_path))
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_page_cache(app)
    register_search(app)
    register_security(app)
    register_commands(app)
    return app


def check_checkout_layout() -> None:
    """The app runs from a checkout (or an editable install): its folders must be there."""
    missing = [
        name for name in ("templates", "static", "migrations") if not (PROJECT_ROOT / name).is_dir()
    ]
    if missing:
        raise ConfigError(
            f"Missing {', '.join(missing)} beside the app package in {PROJECT_ROOT}: "
            "run from a checkout of the repository (pip install -e .), not a wheel."
        )


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table on the metadata before Alembic looks)
    from app.auth.sessions import load_user
    from app.extensions import csrf, db, limiter, login_manager
    from app.mailings import replies  # noqa: F401  (reply emails go out after the commit)
    from app.posts import changes  # noqa: F401  (its flush hooks follow every post change)

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.refresh_view = "auth.login"
    login_manager.needs_refresh_message = "Please sign in again to confirm it is you."
    login_manager.needs_refresh_message_category = "info"
    login_manager.user_loader(load_user)


def register_blueprints(app: Flask) -> None:
    from app.account.views import bp as account_bp
    from app.answers.views import bp as answers_bp
    from app.api.views import bp as api_bp
    from app.auth.views import bp as auth_bp
    from app.authors.views import bp as authors_bp
    from app.engagement.views import bp as engagement_bp
    from app.feeds.views import bp as feeds_bp
    from app.mailings.views import bp as mailings_bp
    from app.main.views import bp as main_bp
    from app.moderation.views import bp as moderation_bp
    from app.posts.views import bp as posts_bp
    from app.tags.views import bp as tags_bp

    blueprints = (
        main_bp,
        auth_bp,
        posts_bp,
        tags_bp,
        authors_bp,
        account_bp,
        moderation_bp,
        api_bp,
        feeds_bp,
        engagement_bp,
        answers_bp,
        mailings_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app.templating import register

    register(app)


def register_page_cache(app: Flask) -> None:
    from app.cache import register

    register(app)


def register_security(app: Flask) -> None:
    from app.security import register

    register(app)


def register_search(app: Flask) -> None:
    from app.search.wiring import register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)
