"""AlertBot's entry point: read the settings, build the bot, run it. No logic here.

python bot.py                 run the bot (long polling, or webhook if configured)
python bot.py backup <path>   copy the database consistently while the bot runs
"""

from __future__ import annotations

import os
import sys

from alertbot.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
