"""Delivery: formatting what chats read, and sending it under Telegram's flood limits."""
