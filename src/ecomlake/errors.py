"""Errors a user can act on: the CLI prints them as one line, without a stack trace."""


class EcomlakeError(Exception):
    """A problem with input, configuration or the machine, with a message saying what to do."""
