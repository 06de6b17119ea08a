"""A bare Flask app: the ceiling the site's pages are compared against."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> tuple[str, dict[str, str]]:
    return "Hello, world!", {"Content-Type": "text/plain; charset=utf-8"}
