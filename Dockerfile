# AlertBot: one process, one SQLite file. The database lives in the /app/data volume.
#   docker build -t alertbot .
#   docker run -d --name alertbot --restart unless-stopped \
#     -e TELEGRAM_BOT_TOKEN=... -e ALERTBOT_ADMIN_IDS=... -v alertbot-data:/app/data alertbot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

# Runtime dependencies only (pyproject's list), at the versions pinned in requirements.lock.
COPY pyproject.toml requirements.lock ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > /tmp/runtime.txt \
 && pip install --constraint requirements.lock --requirement /tmp/runtime.txt \
 && rm /tmp/runtime.txt

# The code belongs to root and is read-only for the bot; only /app/data is writable.
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin alertbot \
 && mkdir -p /app/data \
 && chown alertbot:alertbot /app/data
COPY bot.py ./
COPY config ./config
COPY alertbot ./alertbot
# Compiled at build time: the code is read-only for the bot and PYTHONDONTWRITEBYTECODE is
# set, so otherwise every start compiles about a hundred modules again (~70 ms).
RUN python -m compileall -q bot.py alertbot

USER alertbot
VOLUME ["/app/data"]
# Webhook mode listens on $PORT (8443 unless set); /healthz and /metrics on $ALERTBOT_METRICS_PORT.
EXPOSE 8443

# Checks /healthz when ALERTBOT_METRICS_PORT is set; otherwise there is nothing to ask.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD python -c 'import os, urllib.request; p = os.environ.get("ALERTBOT_METRICS_PORT", "0"); p in ("", "0") or urllib.request.urlopen(f"http://127.0.0.1:{p}/healthz", timeout=4)'

# SIGTERM (docker stop) ends the bot cleanly within 10 seconds.
CMD ["python", "bot.py"]
