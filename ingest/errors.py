"""Errors raised while reading a study guide."""


class IngestError(Exception):
    """A guide or a data file could not be read."""


class GuideFormatError(IngestError):
    """The guide breaks the expected format; the message starts with ``file:line:``."""

    def __init__(self, source: str, line: int, what: str):
        super().__init__(f"{source}:{line}: {what}")
        self.source = source
        self.line = line
        self.what = what
