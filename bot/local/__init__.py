"""The bot run locally against the Bot API sandbox: the harness that starts the real bot on it
(tests and newcomers), the terminal (`volbot sandbox`) and transcripts (`volbot sandbox --script`).

These live in `bot/`, not in `sandbox/`: the sandbox models Telegram's side and knows nothing of
the bot's own code, while these wire the two together.
"""
