"""tools/audit.py on a small freeze list, against whatever vulnerability data is really reachable.

No mocks: the script asks pip-audit's real services. On a machine that reaches only package
registries none of them answers, and the audit must say so (exit 3, "NOT AUDITED", every package
counted as not audited, never "No known vulnerabilities found"); where a service does answer, the
old jinja2 must be reported with its advisory ids and the current packaging must not."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # installs and runs pip-audit

ROOT = Path(__file__).resolve().parent.parent
AUDIT = ROOT / "tools" / "audit.py"
# jinja2 2.10 has published advisories (CVE-2019-10906, fixed in 2.10.1); packaging 24.2 has none.
FREEZE = """\
jinja2==2.10
packaging==24.2
localpkg @ file:///nowhere/localpkg-1.0-py3-none-any.whl
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> subprocess.CompletedProcess:
    freeze = tmp_path_factory.mktemp("audit") / "requirements.lock"
    freeze.write_text(FREEZE)
    return subprocess.run(
        [sys.executable, str(AUDIT), "--requirements", str(freeze)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


def summary(out: str) -> str:
    lines = [ln for ln in out.splitlines() if "not audited;" in ln]
    assert len(lines) == 1, out
    return lines[0]


def test_the_audit_tells_what_it_audited(run):
    out = run.stdout
    assert run.returncode in (1, 3), (run.returncode, out, run.stderr)
    assert "No known vulnerabilities found" not in out
    if run.returncode == 3:
        # Nothing reachable: every package is said not to be audited, and nothing is claimed.
        assert out.startswith("NOT AUDITED: no vulnerability data reachable offline (")
        assert summary(out) == (
            "0 packages audited (no vulnerability data reachable); 3 not audited; "
            "known vulnerabilities: unknown"
        )
        listed = out.split("not audited (3):", 1)[1]
        for name in ("jinja2 2.10", "packaging 24.2", "localpkg (unpinned)"):
            assert name in listed
        assert "VULNERABLE" not in out
    else:
        # A live service: the old jinja2 is reported with its ids, the clean packaging is not,
        # and the unpinned package is counted as not audited (strict: that alone fails too).
        vulnerable = re.search(r"^  VULNERABLE   jinja2 2\.10: (.+)$", out, re.M)
        assert vulnerable, out
        assert re.search(r"(PYSEC|GHSA|CVE)-\d{4}-", vulnerable.group(1))
        assert "  audited      packaging 24.2: no known vulnerabilities" in out
        assert "  NOT audited  localpkg (unpinned): not pinned to a release" in out
        line = summary(out)
        assert re.match(
            r"2 packages audited against pip-audit \S+ via .+ dated \d{4}-\d\d-\d\d \d\d:\d\d UTC; "
            r"1 not audited; [1-9]\d* known vulnerabilities$",
            line,
        ), line


@pytest.mark.skipif(
    importlib.util.find_spec("pip_audit") is None,
    reason="pip-audit is installed by `make audit` (the `audit` extra), after `make test` in CI",
)
def test_an_unreachable_service_is_named_with_its_reason(run):
    """Each service tried is named, with why it gave no data (here: no network but registries)."""
    if run.returncode != 3:
        pytest.skip("a vulnerability service is reachable from this machine")
    reasons = run.stdout.splitlines()[0]
    assert "pypi: " in reasons and "osv: " in reasons, reasons
