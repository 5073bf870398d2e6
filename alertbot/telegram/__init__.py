"""Telegram command handlers: parse arguments, call the store and the core, reply.

No SQL and no HTTP here; everything arrives through `Services`.
"""
