"""The location service: nearby recycling places from PostgreSQL or an embedded SQLite file."""
