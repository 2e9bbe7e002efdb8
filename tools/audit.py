"""Audit the installed packages for known vulnerabilities, and say plainly what was NOT audited.

pip-audit gets its vulnerability data from a live service (the PyPI JSON API's per-release
pages, or OSV's API); no package that can be installed here ships that data (docs/audit.md). When
the service cannot be reached, pip-audit skips every package yet still prints "No known
vulnerabilities found" and exits 0. This script does not trust that:

1. It first asks each service about a canary, jinja2 2.10, a release with published advisories
   (CVE-2019-10906 among them). A service counts as reachable only if it reports them: an answer
   with no vulnerability for the canary is no data, whatever its HTTP status.
2. With a service that passes, it audits every pinned package of the requirements file (default:
   `pip freeze --exclude-editable`) against it, strictly, and prints each package as audited,
   VULNERABLE (with the advisory ids) or NOT audited (with the reason).
3. With none, it prints "NOT AUDITED: no vulnerability data reachable offline (...)", lists the
   packages it could not audit, and exits 3.

Exit codes: 0 every package audited, none known vulnerable; 1 a known vulnerability, or a
reachable service that could not audit some package (pip-audit's --strict); 3 nothing audited, no
vulnerability data reachable; 2 bad usage.

Standard library + packaging; pip-audit is run as `python -m pip_audit` (the `audit` extra).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

NOT_AUDITED = 3
SERVICES = {
    "pypi": "the PyPI JSON API (PyPA advisory database)",
    "osv": "the OSV API (osv.dev)",
}
# A release whose advisories every service has carried since 2019: jinja2 < 2.10.1 is
# CVE-2019-10906 (PYSEC-2019-217 / GHSA-462w-v97r-4m45), sandbox escape via str.format_map.
CANARY = ("jinja2", "2.10")


@dataclass
class Package:
    name: str
    version: str | None  # None: not pinned to a release (a URL or path install)
    vulns: list[dict] = field(default_factory=list)
    skip_reason: str | None = None
    audited: bool = False


def read_requirements(text: str) -> list[Package]:
    """Every package of a `pip freeze` list; one not pinned with == can't be looked up."""
    packages = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, sep, version = line.partition("==")
        if sep:
            version = version.split(";", 1)[0].strip()
            try:
                Version(version)
            except InvalidVersion:
                packages.append(Package(name.strip(), version, skip_reason="not a PEP 440 version"))
                continue
            packages.append(Package(name.strip(), version))
        else:
            name = line.split("@", 1)[0].split(";", 1)[0].strip()
            packages.append(Package(name, None, skip_reason=f"not pinned to a release: {line}"))
    return packages


def pip_freeze() -> str:
    return subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def last_error_line(stderr: str) -> str:
    """What went wrong, from pip-audit's stderr (its last line, less its hashing advice)."""
    lines = [
        ln.strip()
        for ln in stderr.splitlines()
        if ln.strip() and "hash" not in ln and "pip-compile" not in ln
    ]
    line = lines[-1] if lines else "no output"
    host = re.search(r"host='([^']+)'", line)
    where = host.group(1) if host else "its server"
    if "NameResolutionError" in line or "Failed to resolve" in line:
        return f"cannot reach {where}: the name does not resolve"
    if "ConnectionError" in line or "Timeout" in line or "timed out" in line:
        return f"cannot reach {where}: {line[-160:]}"
    return line[-300:]


def run_pip_audit(
    service: str, packages: list[Package], timeout: int, extra: list[str]
) -> tuple[dict | None, str]:
    """pip-audit's JSON report for ``packages`` from ``service``, or None and why not."""
    with tempfile.TemporaryDirectory(prefix="audit-") as tmp:
        req = Path(tmp) / "requirements.txt"
        req.write_text("".join(f"{p.name}=={p.version}\n" for p in packages))
        cmd = [
            sys.executable, "-m", "pip_audit", "--format", "json", "--no-deps",
            "--progress-spinner", "off", "--vulnerability-service", service,
            "--timeout", str(timeout), "--requirement", str(req), *extra,
        ]  # fmt: skip
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=60 + timeout * len(packages)
            )
        except subprocess.TimeoutExpired:
            return None, "pip-audit did not finish in time"
    try:
        return json.loads(proc.stdout), ""
    except json.JSONDecodeError:
        return None, last_error_line(proc.stderr)


def results_by_name(report: dict) -> dict[str, dict]:
    return {canonicalize_name(d["name"]): d for d in report.get("dependencies", [])}


def probe(service: str, timeout: int, extra: list[str]) -> tuple[bool, str]:
    """Whether ``service`` reports the canary's advisories, and what it said."""
    name, version = CANARY
    report, error = run_pip_audit(service, [Package(name, version)], timeout, extra)
    if report is None:
        return False, f"{service}: {error}"
    dep = results_by_name(report).get(name)
    if dep and dep.get("vulns"):
        ids = ", ".join(v["id"] for v in dep["vulns"])
        return True, f"{service}: reports {len(dep['vulns'])} for {name} {version} ({ids})"
    if dep and dep.get("skip_reason"):
        why = dep["skip_reason"]
        if service == "pypi" and "not found on PyPI" in why:
            why += (
                " — PyPI's per-release JSON page, which carries a release's advisories, is not "
                "served here (404), though its package index is"
            )
        return False, f"{service}: {why}"
    return False, (
        f"{service}: answered, but with no vulnerability for {name} {version}, which has "
        "published advisories: its vulnerability data is missing"
    )


def pip_audit_version() -> str:
    try:
        return importlib.metadata.version("pip-audit")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def print_not_audited(packages: list[Package]) -> None:
    names = ", ".join(f"{p.name} {p.version or '(unpinned)'}" for p in packages)
    print(f"not audited ({len(packages)}):")
    print(textwrap.fill(names, width=100, initial_indent="  ", subsequent_indent="  "))


def audit(
    packages: list[Package],
    services: list[str],
    timeout: int,
    service_args: list[str],
    ignore_args: list[str],
) -> int:
    if importlib.util.find_spec("pip_audit") is None:
        reasons = ["pip-audit is not installed: pip install -e '.[audit]'"]
        live = None
    else:
        reasons, live = [], None
        for service in services:
            ok, said = probe(service, timeout, service_args)
            if ok:
                live = (service, said)
                break
            reasons.append(said)

    if live is None:
        print(f"NOT AUDITED: no vulnerability data reachable offline ({'; '.join(reasons)})")
        print_not_audited(packages)
        print(
            f"0 packages audited (no vulnerability data reachable); {len(packages)} not audited; "
            "known vulnerabilities: unknown"
        )
        return NOT_AUDITED

    service, said = live
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    api = SERVICES.get(service, service)
    if service == "osv" and "--osv-url" in service_args:
        api = f"the OSV API at {service_args[service_args.index('--osv-url') + 1]}"
    source = f"pip-audit {pip_audit_version()} via {api}"
    print(f"auditing against {source}, live; canary {said}")
    pinned = [p for p in packages if p.skip_reason is None]
    extra = service_args + ignore_args
    report, error = run_pip_audit(service, pinned, timeout, extra) if pinned else ({}, "")
    if report is None:
        error = f"pip-audit failed: {error}"
    found = results_by_name(report or {})
    for p in pinned:
        dep = found.get(canonicalize_name(p.name))
        if report is None:
            p.skip_reason = error
        elif dep is None:
            p.skip_reason = "pip-audit returned no result for it"
        elif "skip_reason" in dep:
            p.skip_reason = dep["skip_reason"]
        else:
            p.audited, p.vulns = True, dep.get("vulns", [])

    if report is None:
        print(f"  {error}: it stopped, so no package was audited")
    for p in packages:
        if report is None and p.skip_reason == error:
            continue  # listed once below, not once per package
        if p.vulns:
            ids = "; ".join(
                v["id"]
                + (f" (also {', '.join(v['aliases'])})" if v.get("aliases") else "")
                + (f", fixed in {', '.join(v['fix_versions'])}" if v.get("fix_versions") else "")
                for v in p.vulns
            )
            print(f"  VULNERABLE   {p.name} {p.version}: {ids}")
        elif p.audited:
            print(f"  audited      {p.name} {p.version}: no known vulnerabilities")
        else:
            print(f"  NOT audited  {p.name} {p.version or '(unpinned)'}: {p.skip_reason}")
    audited = [p for p in packages if p.audited]
    not_audited = [p for p in packages if not p.audited]
    nvulns = sum(len(p.vulns) for p in packages)
    if not_audited:
        print_not_audited(not_audited)
    print(
        f"{len(audited)} packages audited against {source} dated {when}; "
        f"{len(not_audited)} not audited; {nvulns} known vulnerabilities"
    )
    if not_audited and not nvulns:
        print("audit failed: the service is reachable but could not audit every package (strict)")
    return 1 if nvulns or not_audited else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument(
        "--requirements", "-r", type=Path,
        help="a `pip freeze` list to audit (default: this interpreter's, editables excluded)",
    )  # fmt: skip
    ap.add_argument(
        "--service", action="append", choices=sorted(SERVICES),
        help="a pip-audit service to try, in order (default: pypi, then osv)",
    )  # fmt: skip
    ap.add_argument("--timeout", type=int, default=15, help="pip-audit's socket timeout (s)")
    ap.add_argument(
        "--ignore-vuln", action="append", default=[], metavar="ID",
        help="an advisory id to ignore (passed to pip-audit); repeatable",
    )  # fmt: skip
    ap.add_argument(
        "--osv-url", metavar="URL",
        help="an OSV-compatible query URL to ask instead of osv.dev's (a local mirror)",
    )  # fmt: skip
    args = ap.parse_args(argv)
    text = args.requirements.read_text() if args.requirements else pip_freeze()
    packages = read_requirements(text)
    ignore_args = [a for vid in args.ignore_vuln for a in ("--ignore-vuln", vid)]
    service_args = ["--osv-url", args.osv_url] if args.osv_url else []
    services = args.service or list(SERVICES)
    return audit(packages, services, args.timeout, service_args, ignore_args)


if __name__ == "__main__":
    sys.exit(main())
