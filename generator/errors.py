"""The one error type a user sees: a message naming the file, line or parameter."""


class ExgenError(Exception):
    """Bad input or a failed build; the command line prints it and exits with status 2."""

    def __init__(self, message: str, *, where: str | None = None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)
