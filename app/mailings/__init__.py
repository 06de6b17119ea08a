"""Email that brings members back: reply emails, digests of followed tags and authors, the
settings page and one-click unsubscribe links. Delivery itself is app/mail.py."""
