import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.demo import loader
from app.demo.loader import CONTENT, DemoContentError, Document, read_document, seed_demo
from app.extensions import db
from app.models import Post, Tag, User
from tests.helpers import sign_in

REQUIRED_TAGS = {
    "azathioprine",
    "autoimmune-hepatitis",
    "crohns-disease",
    "ulcerative-colitis",
    "lupus",
    "rheumatoid-arthritis",
    "transplant",
    "tpmt-testing",
    "missed-doses",
    "switching-medication",
    "blood-tests",
    "side-effects",
}


def test_users_create_reads_the_password_from_stdin(runner, client, app):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Mod@Example.org",
            "--username",
            "mod_one",
            "--role",
            "moderator",
        ],
        input="a moderator passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created moderator @mod_one" in result.output
    user = db.session.scalar(select(User).where(User.username == "mod_one"))
    assert (user.email, user.role) == ("mod@example.org", "moderator")
    sign_in(client, "mod@example.org", "a moderator passphrase")


def create_user(runner, email: str, username: str, role: str, password: str):
    args = ["users", "create", "--email", email, "--username", username, "--role", role]
    return runner.invoke(args=args, input=password + "\n")


def test_users_create_refuses_bad_input_clearly(runner, users):
    short = create_user(runner, "a@example.org", "aaa", "admin", "short")
    assert short.exit_code != 0 and "12 to 128 characters" in short.output
    role = create_user(runner, "a@example.org", "aaa", "overlord", "a long passphrase ok")
    assert role.exit_code != 0 and "overlord" in role.output
    duplicate = create_user(runner, "PAT@example.org", "fresh", "provider", "a long passphrase ok")
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    handle = create_user(runner, "b@example.org", "Bad Handle!", "patient", "a long passphrase ok")
    assert handle.exit_code != 0 and "lowercase letters" in handle.output
    assert db.session.scalar(select(func.count(User.id))) == len(users)


def test_seed_demo_loads_a_whole_community_once(runner, app):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo sign-ins" in first.output
    assert set(db.session.scalars(select(Tag.slug))) >= REQUIRED_TAGS
    posts = db.session.scalars(select(Post)).all()
    assert len(posts) >= 40
    assert {post.kind for post in posts} == {"experience", "question", "article"}
    assert all(post.status == "published" for post in posts)
    assert len({post.author_id for post in posts}) >= 8
    authors = db.session.scalars(select(User)).all()
    providers = [u for u in authors if u.is_verified_provider and u.credentials]
    patients = [u for u in authors if u.role == "patient"]
    assert len(providers) >= 2 and len(patients) >= 5
    for author in authors:  # derived from what is published, not bumped by the loader
        assert author.approved_post_count == sum(p.author_id == author.id for p in posts)
    for tag in db.session.scalars(select(Tag)):
        assert len(tag.description_source) > 150, tag.slug
    assert all("not medical advice" in post.body_source.lower() for post in posts)

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "already has content" in second.output
    assert db.session.scalar(select(func.count(Post.id))) == len(posts)


def test_demo_covers_the_topics_people_ask_about(app):
    seed_demo()
    db.session.commit()
    titles_and_bodies = [
        (post.title + " " + post.body_source).lower() for post in db.session.scalars(select(Post))
    ]

    def some_post(*words):
        return any(all(word in text for word in words) for text in titles_and_bodies)

    assert some_post("autoimmune hepatitis", "diagnos", "steroid", "azathioprine")
    assert some_post("missed", "dose")
    assert some_post("tpmt", "test")
    assert some_post("mycophenolate", "switch")
    assert some_post("blood test")
    assert some_post("sun")


def test_demo_passwords_are_random_and_work(runner, client, app):
    result = seed_demo()
    db.session.commit()
    passwords = [password for _, _, password in result.sign_ins]
    assert len(set(passwords)) == len(passwords)
    assert all(len(password) >= 12 for password in passwords)
    username, email, password = result.sign_ins[0]
    sign_in(client, email, password)


def test_demo_is_only_loaded_into_an_empty_database(app, users):
    assert seed_demo().created is False
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_demo_posts_come_from_the_content_files_through_the_importer(app):
    seed_demo()
    db.session.commit()
    posts = db.session.scalars(select(Post)).all()
    files = {entry.name.removesuffix(".md") for entry in (CONTENT / "posts").iterdir()}
    assert {post.external_id for post in posts} == {f"demo/{name}" for name in files}
    reviewed = [post for post in posts if post.reviewed_by_id is not None]
    assert reviewed and all(post.reviewed_by_id != post.author_id for post in reviewed)


def test_every_demo_content_file_is_package_data():
    root = Path(__file__).parents[2]
    settings = tomllib.loads((root / "pyproject.toml").read_text())
    patterns = settings["tool"]["setuptools"]["package-data"]["app.demo"]
    demo = root / "app" / "demo"
    packaged = {path for pattern in patterns for path in demo.glob(pattern)}
    on_disk = {path for path in (demo / "content").rglob("*") if path.is_file()}
    assert on_disk == packaged


def test_a_demo_file_keeps_its_body_exactly_and_needs_front_matter(tmp_path):
    path = tmp_path / "a-post.md"
    path.write_text('+++\ntitle = "A title"\n+++\nThe body.\n\n+++\nstill body', encoding="utf-8")
    document = read_document(path)
    assert (document.name, document.fields) == ("a-post", {"title": "A title"})
    assert document.body == "The body.\n\n+++\nstill body"
    for broken in ("No front matter.", '+++\ntitle = "never closed"\n', "+++\ntitle = \n+++\n"):
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(DemoContentError, match="a-post.md"):
            read_document(path)


def test_a_bad_demo_post_stops_the_demo_before_anything_is_saved(app, monkeypatch):
    """The importer commits as it goes: the demo checks every post first, so a broken file
    never leaves half a demo (and sign-ins nobody saw) in the database."""
    shipped = loader.read_documents

    def with_a_broken_post(folder: str) -> list[Document]:
        documents = shipped(folder)
        if folder == "posts":
            broken = dict(documents[-1].fields, tags=["no-such-tag"])
            documents.append(Document("broken-post", broken, "A body."))
        return documents

    monkeypatch.setattr(loader, "read_documents", with_a_broken_post)
    with pytest.raises(DemoContentError, match="broken-post: unknown tags: no-such-tag"):
        seed_demo()
    db.session.rollback()
    assert loader.database_is_empty()
    monkeypatch.setattr(loader, "read_documents", shipped)
    assert seed_demo().created
