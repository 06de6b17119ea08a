"""/me/email (a member's email settings) and /email/unsubscribe/<token> (one click, no
sign-in: RFC 8058)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import csrf, db
from app.mailings.forms import EmailSettingsForm
from app.mailings.settings import save_settings, settings_for
from app.mailings.unsubscribe import member_exists, read_token, unsubscribe

bp = Blueprint("mailings", __name__)

WHAT = {"digest": "the email digest", "replies": "reply emails"}


@bp.route("/me/email", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "GET":
        saved = settings_for(current_user.id)
        form = EmailSettingsForm(
            digest=saved.digest, reply_emails="on" if saved.reply_emails else "off", formdata=None
        )
        return render_template("mailings/settings.html", form=form)
    form = EmailSettingsForm()
    if not form.validate_on_submit():
        return render_template("mailings/settings.html", form=form), 400
    save_settings(
        current_user, digest=form.digest.data, reply_emails=form.reply_emails.data == "on"
    )
    db.session.commit()
    flash("Your email settings are saved.", "success")
    return redirect(url_for("mailings.settings"))


@bp.route("/email/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients POST it without a session (RFC 8058); it can only turn mail off
def unsubscribe_link(token: str):
    found = read_token(token)
    if found is None or not member_exists(found[0]):
        abort(404)
    user_id, what = found
    if request.method == "GET":
        response = render_template("mailings/unsubscribe.html", what=WHAT[what], done=False)
    else:
        unsubscribe(user_id, what)
        db.session.commit()
        response = render_template("mailings/unsubscribe.html", what=WHAT[what], done=True)
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
