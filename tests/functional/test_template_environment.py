"""The Jinja environment keeps each template's globals in a plain dict (app.templating's
SiteTemplates): cheap to copy on every render, yet every template still sees every global."""

from __future__ import annotations

from collections import ChainMap

from app.extensions import db
from app.templating import SiteTemplates
from tests.helpers import make_post


def test_templates_read_their_globals_from_a_plain_dict(app):
    template = app.jinja_env.get_template("base.html")
    assert isinstance(app.jinja_env, SiteTemplates)
    assert type(template.globals) is dict and not isinstance(template.globals, ChainMap)
    for name in ("url_for", "csrf_token", "csp_nonce", "site_links", "current_user", "SITE_NAME"):
        assert name in template.globals, name


def test_a_global_added_after_a_template_loaded_reaches_it(app):
    app.jinja_env.get_template("errors/error.html")
    app.jinja_env.globals["added_late"] = "seen"
    app.jinja_env.globals.update(added_later="seen too")
    template = app.jinja_env.get_template("errors/error.html")
    assert template.globals["added_late"] == "seen"
    assert template.globals["added_later"] == "seen too"
    del app.jinja_env.globals["added_late"]
    assert "added_late" not in app.jinja_env.get_template("errors/error.html").globals


def test_a_templates_own_globals_stay_its_own(app):
    app.jinja_env.get_template("errors/error.html", globals={"only_here": 1})
    assert "only_here" not in app.jinja_env.globals
    assert "only_here" not in app.jinja_env.get_template("base.html").globals


def test_an_imported_macro_module_is_built_once(app, client, users):
    """Imported without the page's context, a macro module is kept, not made on each render."""
    make_post(users["patient"], title="A post, so the author page lists something")
    db.session.commit()
    assert client.get("/authors/pat").status_code == 200
    macros = app.jinja_env.get_template("_macros/posts.html")
    kept = macros._module
    client.get("/authors/pat")
    assert kept is not None and macros._module is kept
