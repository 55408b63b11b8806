"""The one error every format reader raises for input it cannot accept."""


class FormatError(Exception):
    """A file is malformed, hostile or unsupported.

    ``str(error)`` is a one-line reason fit for a user: it names the file (when known) and the
    problem, never a stack trace.
    """

    def __init__(self, message: str, *, source: str | None = None, code: str = "invalid"):
        self.message = message
        self.source = source
        self.code = code
        super().__init__(f"{source}: {message}" if source else message)
