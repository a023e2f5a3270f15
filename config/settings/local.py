"""A local installation: embedded SQLite under var/, secret key kept in var/."""

from config.env import local_secret_key
from config.settings.base import *  # noqa: F403

SECRET_KEY = local_secret_key()
