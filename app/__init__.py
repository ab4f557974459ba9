"""FairCorridor: an ethical recruitment marketplace for labour-migration corridors."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app.config import load_config


def create_app(config: str | dict[str, Any] | None = None) -> Flask:
    """Build the application: configure, bind extensions, blueprints, CLI, error pages.

    `config` is a config name ("testing") or a mapping of overrides; a mapping may
    name its base config with FAIRCORRIDOR_ENV, else the environment's is used.
    """
    app = Flask(__name__, instance_path=None)
    _configure(app, config)
    _init_extensions(app)
    _register_blueprints(app)
    _register_security_headers(app)
    _register_cli(app)
    _register_error_handlers(app)
    _register_template_helpers(app)
    _install_middleware(app)
    return app


def _configure(app: Flask, config: str | dict[str, Any] | None) -> None:
    name = config if isinstance(config, str) else (config or {}).get("FAIRCORRIDOR_ENV")
    app.config.from_object(load_config(name))
    if isinstance(config, dict):
        app.config.update(config)
    for name in app.config["REQUIRED_SECRETS"]:
        if not app.config.get(name):
            raise RuntimeError(f"{name} must be set in production (environment variable).")
    app.instance_path = app.config["INSTANCE_PATH"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def _init_extensions(app: Flask) -> None:
    from app import db_setup
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app import i18n

    db.init_app(app)
    db_setup.configure_engine(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.register(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"

    from app.accounts.services import load_user
    login_manager.user_loader(load_user)
    _import_models()


def _import_models() -> None:
    """Import every model module so that metadata (and Alembic) sees all tables."""
    import app.accounts.models  # noqa: F401
    import app.aggregation.models  # noqa: F401
    import app.audit  # noqa: F401
    import app.corridors.models  # noqa: F401
    import app.interviews.models  # noqa: F401
    import app.jobs.models  # noqa: F401
    import app.occupations.models  # noqa: F401
    import app.organisations.models  # noqa: F401
    import app.reviews.models  # noqa: F401
    import grievance.models  # noqa: F401
    import vetting.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from app.accounts.views import make_blueprint as accounts
    from app.admin.views import make_blueprint as admin
    from app.aggregation.claim_views import make_blueprint as claims
    from app.aggregation.views import make_blueprint as aggregation
    from app.api.views import make_blueprint as api
    from app.console.views import make_blueprint as console
    from app.interviews.views import make_blueprint as interviews
    from app.jobs.views import make_blueprint as jobs
    from app.listen.views import make_blueprint as listen
    from app.organisations.views import make_blueprint as organisations
    from app.register.views import make_blueprint as register
    from app.reviews.views import make_blueprint as reviews
    from app.security import require_login_by_default
    from grievance.views import make_blueprint as grievance
    from matching.views import make_blueprint as matching
    from vetting.views import make_blueprint as vetting
    from app import routing

    routing.register(app)  # before the rules below, which bind their converters when added
    for make in (jobs, accounts, organisations, admin, api, interviews, vetting, matching,
                 grievance, aggregation, claims, reviews, console, register, listen):
        app.register_blueprint(make())
    app.before_request(require_login_by_default)


def _register_security_headers(app: Flask) -> None:
    from app.security_headers import register
    register(app)


def _register_cli(app: Flask) -> None:
    from app.accounts.cli import accounts_cli
    from app.aggregation.cli import aggregate_cli
    from app.register.cli import register_cli
    from grievance.cli import grievance_cli
    from seed.cli import seed_cli
    from matching.cli import matching_cli
    from vetting.cli import vetting_cli
    app.cli.add_command(seed_cli)
    app.cli.add_command(aggregate_cli)
    app.cli.add_command(vetting_cli)
    app.cli.add_command(matching_cli)
    app.cli.add_command(grievance_cli)
    app.cli.add_command(register_cli)
    app.cli.add_command(accounts_cli)


def _register_error_handlers(app: Flask) -> None:
    from app import jsonbody
    from app.error_pages import register
    register(app)
    jsonbody.register(app)  # JSON too deep or too large: refused, naming the limit


def _register_template_helpers(app: Flask) -> None:
    from app.templating import register
    register(app)


def _install_middleware(app: Flask) -> None:
    # One spelling per path before routing, so that the grievance log filter sees it.
    from app.paths import CanonicalPaths
    app.wsgi_app = CanonicalPaths(app.wsgi_app)
