from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import (
    current_user,
    fresh_login_required,
    login_fresh,
    login_required,
    login_user,
    logout_user,
)

from app import ratelimits
from app.auth import registration
from app.auth.forms import (
    ChangePasswordForm,
    ConfirmRegistrationForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    ResetRequestForm,
)
from app.auth.passwords import verify_password
from app.auth.reset import request_reset, reset_password, set_password, valid_token
from app.auth.services import AccountError, authenticate
from app.auth.sessions import end_all_sessions
from app.extensions import db
from app.links import site_url_for
from app.security import safe_next
from app.web import add_form_error

bp = Blueprint("auth", __name__, url_prefix="/auth")

SIGN_IN_FAILED = "That email and password do not match an account."


def start_session(user, remember: bool = False) -> None:
    """Sign in on a fresh session so nothing from before sign-in carries over."""
    session.clear()
    login_user(user, remember=remember)


REGISTER_SENT = (
    "We sent a link to that address to finish creating your account. It works once, for "
    "24 hours. If the address already has an account, the message says how to sign in instead."
)


@bp.route("/register", methods=["GET", "POST"])
@ratelimits.registering
@ratelimits.registering_by_account
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            registration.start(
                email=form.email.data,
                username=form.username.data,
                consented=form.consent.data,
            )
        except AccountError as error:
            add_form_error(form, error.field, str(error))
        else:
            db.session.commit()
            return render_template("auth/register.html", form=None, sent=REGISTER_SENT)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form, sent=None), status


# What a confirmation link that cannot create an account answers, by the field at fault.
CONFIRM_PROBLEM_STATUS = {"token": 400, "email": 409}


@bp.route("/register/confirm", methods=["GET", "POST"])
def confirm_registration():
    """The link in the mail opens this page, where the password is chosen; only its form
    (a POST) creates the account, so a mail scanner that follows links changes nothing."""
    # The token travels in the query string, which the access log leaves out.
    token = request.args.get("token", "")
    pending = registration.pending_for(token)
    if pending is None:
        return confirm_problem(AccountError("token", registration.LINK_INVALID))
    form = ConfirmRegistrationForm()
    clash = registration.handle_clash(pending)
    if form.validate_on_submit():
        try:
            user = registration.confirm(token, form.password.data, form.username.data)
        except AccountError as error:
            if error.field not in ("password", "username"):
                db.session.commit()  # the registration is used up either way
                return confirm_problem(error)
            db.session.rollback()
            add_form_error(form, error.field, str(error))  # the link still works
        else:
            db.session.commit()
            start_session(user)
            flash(f"Welcome, @{user.username}. You are signed in.", "success")
            return redirect(url_for("main.home"))
    if problem := registration.conflict(pending):
        return confirm_problem(problem)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "auth/register_confirm.html", form=form, username=pending.username, handle_clash=clash
    ), status


def confirm_problem(error: AccountError):
    return render_template(
        "auth/register_problem.html", problem=error.field
    ), CONFIRM_PROBLEM_STATUS.get(error.field, 400)


@bp.route("/login", methods=["GET", "POST"])
@ratelimits.sign_in_by_address
@ratelimits.sign_in_by_account
def login():
    form = LoginForm(next=request.args.get("next", ""))
    destination = safe_next(form.next.data, url_for("main.home"))
    if current_user.is_authenticated and login_fresh():
        return redirect(destination)
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            start_session(user, remember=form.remember.data)
            return redirect(destination)
        add_form_error(form, "password", SIGN_IN_FAILED)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    end_all_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("main.home"))


RESET_SENT = (
    "If an account uses that address, we have sent it a link to choose a new "
    "password. The link works once, for 30 minutes."
)


@bp.route("/reset", methods=["GET", "POST"])
@ratelimits.reset_by_address
@ratelimits.reset_by_account
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        request_reset(form.email.data, lambda token: site_url_for("auth.reset", token=token))
        db.session.commit()
        return render_template("auth/reset_request.html", form=None, sent=RESET_SENT)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/reset_request.html", form=form, sent=None), status


@bp.route("/reset/new", methods=["GET", "POST"])
def reset():
    # The token travels in the query string, which the access log leaves out.
    token = request.args.get("token", "")
    if valid_token(token) is None:
        return render_template(
            "errors/error.html",
            code=400,
            title="This link has expired",
            message="This reset link has expired or was already used. You can ask for a new one.",
        ), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(token, form.password.data)
        except AccountError as error:
            add_form_error(form, "password", str(error))
        else:
            db.session.commit()
            flash("Your password is changed. Please sign in.", "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form), status


@bp.route("/password", methods=["GET", "POST"])
@fresh_login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not verify_password(user.password_hash, form.current_password.data):
            add_form_error(form, "current_password", "That is not your current password.")
        else:
            try:
                set_password(user, form.password.data)
            except AccountError as error:
                add_form_error(form, "password", str(error))
            else:
                db.session.commit()
                start_session(user)
                flash("Your password is changed; you were signed out everywhere else.", "success")
                return redirect(url_for("main.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status
