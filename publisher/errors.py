"""Errors that end a command with exit code 2 (usage or configuration).

They carry a message meant for a person, so the CLI prints them without a
traceback.
"""


class ConfigError(Exception):
    """The configuration (or a file it points to) cannot be used."""
