"""Our own HTTP surface: the Telegram webhook, /healthz and /metrics."""
