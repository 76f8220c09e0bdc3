"""Errors the store raises with a message meant for the person running the program."""


class StoreError(Exception):
    """The store cannot do what was asked; the message states why and what to do."""
