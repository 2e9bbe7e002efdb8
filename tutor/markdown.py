"""Literal text inside markdown: what a guide or a learner wrote, shown as written.

Guide text is untrusted (anyone can upload a guide) and the app renders markdown, so every piece
of a guide or of typed text that the tutor places in a markdown answer goes through ``literal``:
its markdown punctuation is backslashed, a line cannot start a heading, list or quote, and a URL
or e-mail address stays text instead of becoming a link. An uploaded ``![t](http://host/x.png)``
then fetches nothing and ``[answers](http://host/phish)`` links nowhere. HTML is escaped where
the markdown is shown (the app), not here: the CLI prints this text as it is.

``See [answers](http://host/x) *now*`` -> ``See \\[answers\\](http\\://host/x) \\*now\\*``
"""

from __future__ import annotations

import re

__all__ = ["literal"]

# Control characters (Unicode's Cc) other than a newline or a tab: shown raw, they garble a
# terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# "<" and ">" are left to the HTML escaping where the markdown is shown: a backslash before the
# entity that escaping makes would show the entity's name instead of the character.
_INLINE = re.compile(r"([\\`*_\[\]~|!#@])")
# Autolinks: GitHub-flavoured markdown links a bare "http://", "www." or e-mail address.
_SCHEME = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{0,20}):(?=//)")
_WWW = re.compile(r"\b(www)\.", re.IGNORECASE)
# Line starts that open a block: a heading, quote, list item, rule or setext underline.
_BLOCK = re.compile(r"^([ \t]*)(?:([+=-])|(\d{1,9})([.)]))", re.MULTILINE)


def literal(text: object) -> str:
    """``text`` as markdown that renders exactly as the text, with no link, image or block."""
    text = _CONTROL.sub(" ", str(text))
    text = _INLINE.sub(r"\\\1", text)
    text = _SCHEME.sub(r"\1\\:", text)
    text = _WWW.sub(r"\1\\.", text)
    return _BLOCK.sub(lambda m: m[1] + (f"\\{m[2]}" if m[2] else f"{m[3]}\\{m[4]}"), text)
