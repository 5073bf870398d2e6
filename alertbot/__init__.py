"""AlertBot: polls RSS/Atom feeds and alerts Telegram chats to stories matching their topics."""

__version__ = "1.0.0"
PROJECT_URL = "https://github.com/alertbot/alertbot"
