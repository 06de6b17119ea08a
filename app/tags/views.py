from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.answers.services import ANSWERED_CHOICES
from app.auth.access import moderator_required
from app.experiences.reports import MIN_MEMBERS, tag_report
from app.extensions import db
from app.models import Tag
from app.models.enums import TAG_KINDS
from app.posts.queries import paginate_cards
from app.tags import queries
from app.tags.forms import TagForm
from app.tags.services import TagInputError, clean_tag_input, create_tag, update_tag
from app.web import add_form_error, page_number

bp = Blueprint("tags", __name__, url_prefix="/tags")

POSTS_PER_PAGE = 20
RELATED_TAG_COUNT = 8
SECTION_POST_COUNT = 4


@bp.get("/")
def index():
    tags, counts = queries.every_tag_with_counts()
    grouped = {kind: [tag for tag in tags if tag.kind == kind] for kind in TAG_KINDS}
    return render_template("tags/index.html", grouped=grouped, counts=counts)


@bp.get("/<slug>")
def show(slug: str):
    kind, sort = listing_arguments()
    answered = answered_argument()
    page = page_number()
    found = queries.tag_count_and_version(slug, kind)
    if found is None:
        abort(404)
    tag, total, version = found
    listing = queries.tag_listing(kind, sort, answered)
    if answered is not None:
        total = None  # the counters do not know which questions are answered: count the rows
    posts = paginate_cards(listing, {"listed_tag_id": tag.id}, page, POSTS_PER_PAGE, total)
    if posts.page > posts.pages:
        abort(404)
    overview = kind is None and answered is None and page == 1
    newest = posts if sort == queries.DEFAULT_SORT else None
    sections = queries.overview_sections(tag, SECTION_POST_COUNT, newest) if overview else None
    return render_template(
        "tags/show.html",
        tag=tag,
        posts=posts,
        kind=kind,
        sort=sort,
        answered=answered,
        kind_filters=queries.KIND_FILTERS,
        sorts=queries.SORTS,
        related_tags=queries.related_tags(tag, RELATED_TAG_COUNT),
        sections=sections,
        reports=tag_report(tag, version) if overview else None,
        min_members=MIN_MEMBERS,
    )


def listing_arguments() -> tuple[str | None, str]:
    """`kind` (empty for all) and `sort` from the query string, or a 400 that says what is wrong."""
    kind = request.args.get("kind", "").strip().lower() or None
    sort = request.args.get("sort", "").strip().lower() or queries.DEFAULT_SORT
    if kind is not None and kind not in queries.KIND_FILTERS:
        abort(400, description=f"kind must be one of {', '.join(queries.KIND_FILTERS)}.")
    if sort not in queries.SORTS:
        abort(400, description=f"sort must be one of {', '.join(queries.SORTS)}.")
    return kind, sort


def answered_argument() -> str | None:
    """`answered` (yes or no: only questions, answered or waiting), or a 400 that says why."""
    answered = request.args.get("answered", "").strip().lower() or None
    if answered is not None and answered not in ANSWERED_CHOICES:
        abort(400, description=f"answered must be one of {', '.join(ANSWERED_CHOICES)}.")
    return answered


def tag_or_404(slug: str) -> Tag:
    tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
    if tag is None:
        abort(404)
    return tag


@bp.route("/new", methods=["GET", "POST"])
@moderator_required
def new():
    form = TagForm()
    if request.method == "GET":
        return render_template("tags/form.html", form=form, tag=None)
    return save_tag_form(form, None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@moderator_required
def edit(slug: str):
    tag = tag_or_404(slug)
    if request.method == "GET":
        form = TagForm(obj=tag, description=tag.description_source)
        return render_template("tags/form.html", form=form, tag=tag)
    return save_tag_form(TagForm(), tag)


def save_tag_form(form: TagForm, tag: Tag | None):
    try:
        data = clean_tag_input(
            name=form.name.data or "",
            slug=form.slug.data or "",
            kind=form.kind.data or "",
            description=form.description.data or "",
            synonyms=form.synonyms.data or "",
            tag=tag,
        )
        if tag is None:
            tag = create_tag(data)
        else:
            update_tag(tag, data)
    except TagInputError as error:
        db.session.rollback()
        for field, message in error.errors.items():
            add_form_error(form, field, message)
        return render_template("tags/form.html", form=form, tag=tag), 400
    db.session.commit()
    flash(f"Saved the tag “{tag.name}”.", "success")
    return redirect(url_for("tags.show", slug=tag.slug))
