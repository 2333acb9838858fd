"""Persistence: SQLAlchemy models, engine/session helpers, small repositories, migrations."""
