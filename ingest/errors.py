"""Errors raised while reading a study guide, and the project's root error.

``EcsTutorError`` is the one class the CLI and the app catch: ``IngestError`` here,
``kg.GraphError`` and ``tutor.TutorError`` all derive from it. It lives here, at the start of the
data flow, so that every later package can import it.
"""


class EcsTutorError(Exception):
    """Something the user can act on went wrong; the message is one line saying what and where."""


class IngestError(EcsTutorError):
    """A guide or a data file could not be read."""


class GuideFormatError(IngestError):
    """The guide breaks the expected format; the message starts with ``file:line:``."""

    def __init__(self, source: str, line: int, what: str):
        super().__init__(f"{source}:{line}: {what}")
        self.source = source
        self.line = line
        self.what = what
