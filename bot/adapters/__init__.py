"""Thin adapters between Telegram frameworks and the framework-free dispatcher."""
