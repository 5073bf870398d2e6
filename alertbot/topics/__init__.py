"""The topic engine's internals; the public surface is `alertbot.matching`."""
