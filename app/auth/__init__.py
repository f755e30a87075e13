"""Authentication: users with sessions (users.py, views.py) and API tokens (tokens.py)."""
