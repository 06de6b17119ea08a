from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth.forms import LoginForm, RegisterForm
from app.auth.services import AccountError, authenticate, create_account
from app.auth.sessions import end_all_sessions
from app.extensions import db
from app.security import safe_next
from app.web import add_form_error

bp = Blueprint("auth", __name__, url_prefix="/auth")

SIGN_IN_FAILED = "That email and password do not match an account."


def start_session(user, remember: bool = False) -> None:
    """Sign in on a fresh session so nothing from before sign-in carries over."""
    session.clear()
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = create_account(
                email=form.email.data,
                username=form.username.data,
                password=form.password.data,
                consented=form.consent.data,
            )
        except AccountError as error:
            add_form_error(form, error.field, str(error))
        else:
            db.session.commit()
            start_session(user)
            flash(f"Welcome, @{user.username}. You are signed in.", "success")
            return redirect(url_for("main.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    destination = safe_next(form.next.data, url_for("main.home"))
    if current_user.is_authenticated:
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
