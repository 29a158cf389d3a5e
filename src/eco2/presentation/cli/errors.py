class CliError(Exception):
    """A user-facing error: printed without a traceback, exit status ``code``."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code
