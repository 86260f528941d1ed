"""The error a report run stops with: one line for the user, no traceback."""


class ReportError(Exception):
    """A bad argument or a missing dependency; the message is printed as is.

    Attributes:
      status: the exit status, 2 for a bad argument and 1 for anything else.
    """

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status
