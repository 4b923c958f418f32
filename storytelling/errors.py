"""The one error users see as a message: a problem with their data or settings."""


class DataError(ValueError):
    """A problem with the user's data, worded so that the user can fix it."""
