"""CareSlot settings, split by concern. Production differs from local only by env vars."""

from config.settings.api import *  # noqa: F401,F403
from config.settings.base import *  # noqa: F401,F403
from config.settings.booking import *  # noqa: F401,F403
from config.settings.celery import *  # noqa: F401,F403
from config.settings.email import *  # noqa: F401,F403
from config.settings.imports import *  # noqa: F401,F403
from config.settings.security import *  # noqa: F401,F403
