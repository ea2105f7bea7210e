"""Thin HTTP handlers.  Each module maps requests onto plain, Flask-free modules."""
