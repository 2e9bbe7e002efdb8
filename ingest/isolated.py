"""Parse an untrusted guide in a child process with a time and a memory limit.

The parser's patterns are linear-time and fuzzed (tests/test_regex_time.py), but an uploaded guide
is hostile input: a case nobody thought of must still not stall the server that every learner
shares. So an upload is parsed by ``python -m ingest.isolated`` in a process of its own, which
limits its own address space and CPU time before it reads a byte, and hands the records back as
JSON (never pickle). The parent waits at most ``seconds`` and kills it after that.

>>> guide = parse_isolated(Path("data/guides/ecs.md").read_bytes(), source="ecs.md")
>>> len(guide.pairs)
31
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .errors import GuideFormatError
from .parser import decode_guide, parse_guide
from .records import Guide, guide_from_dict, guide_to_dict
from .services import DEFAULT_ALIASES, load_catalog

# The 512 KiB upload limit's worst measured guide parses in well under a second; the 100x synthetic
# guide (1.7 MB) in ~1 s. Ten seconds is generous for an honest guide and bounds a hostile one.
PARSE_SECONDS = 10.0
PARSE_MEMORY = 1024 * 1024 * 1024  # address space of the child; the interpreter needs ~50 MB
_PACKAGES = Path(__file__).resolve().parent.parent
_TOO_SLOW = "the guide took too long to read (over {:g} s) and was not kept"
_TOO_BIG = "the guide needs too much memory to read and was not kept"


def parse_isolated(
    data: bytes,
    *,
    source: str,
    aliases: Path | str = DEFAULT_ALIASES,
    seconds: float = PARSE_SECONDS,
    memory: int = PARSE_MEMORY,
) -> Guide:
    """The guide parsed from ``data`` in a child process; ``GuideFormatError`` if it is broken,
    takes over ``seconds`` or needs over ``memory`` bytes of address space."""
    request = json.dumps(
        {"source": source, "aliases": str(aliases), "memory": memory, "seconds": seconds}
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "ingest.isolated"],
            input=request.encode() + b"\n" + data,
            capture_output=True,
            timeout=seconds,
            cwd=_PACKAGES,  # the folder holding this package, installed or not
        )
    except subprocess.TimeoutExpired:
        raise GuideFormatError(source, 0, _TOO_SLOW.format(seconds)) from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise GuideFormatError(source, 0, _TOO_BIG) from None
    if "error" in answer:
        raise GuideFormatError(source, answer["line"], answer["error"])
    return guide_from_dict(answer["guide"])


def _child() -> None:
    """The child's side: limits first, then read the request line and the guide's bytes from
    stdin, parse, and write one JSON object to stdout."""
    import resource

    header, _, data = sys.stdin.buffer.read().partition(b"\n")
    request = json.loads(header)
    resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
    cpu = int(request["seconds"]) + 1  # the parent's clock is the limit; this is a backstop
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    source = request["source"]
    try:
        text = decode_guide(data, source)
        guide = parse_guide(text, source=source, catalog=load_catalog(request["aliases"]))
        answer: dict = {"guide": guide_to_dict(guide)}
    except GuideFormatError as exc:
        answer = {"error": exc.what, "line": exc.line}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    _child()
