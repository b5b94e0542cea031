"""The Models page: every checkpoint in one table; evaluate, compare, download or delete one."""
from studio.models.view import show  # noqa: F401
