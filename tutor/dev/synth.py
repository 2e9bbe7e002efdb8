"""Synthetic study guides in the ECS guide's format, for measuring how the tutor scales.

``synthetic_guide(scale, seed=…)`` writes ``scale`` chapters; each chapter has the ECS guide's
counts (28 items, 3 worked scenarios with 18 steps, 31 misconception pairs) spread over its four
layouts: items under bold groups, items straight under a heading, bulleted practices under
numbered groups, and worked scenarios. The text is made of AWS-flavoured words drawn from a seeded
``random.Random``, so the same seed always gives the same guide, byte for byte, and the texts are
distinct (an embedding cache cannot make a big guide look cheap). The words mean nothing: these
guides measure cost, never answer quality.
"""

from __future__ import annotations

import random
from pathlib import Path

__all__ = ["CHAPTER_COUNTS", "synthetic_guide", "write_synthetic_guide"]

# Per chapter, the same counts as data/guides/ecs.md.
CHAPTER_COUNTS = {"items": 28, "scenarios": 3, "steps": 18, "pairs": 31}

_SERVICES = [
    "Amazon ECS", "AWS Fargate", "Amazon EC2", "Amazon S3", "Amazon RDS", "Amazon EFS",
    "Amazon CloudWatch", "AWS X-Ray", "Amazon Kinesis", "Amazon DynamoDB", "AWS Secrets Manager",
    "Application Load Balancer", "Amazon ECR", "AWS IAM", "Amazon VPC", "Amazon SQS",
]  # fmt: skip
_ADJECTIVES = (
    "elastic regional durable isolated scheduled managed shared encrypted private public "
    "burstable tiered replicated ephemeral versioned weighted sticky rolling blue-green canary "
    "spot reserved dedicated serverless stateful stateless immutable layered cached batched"
).split()
_NOUNS = (
    "cluster task service container volume image registry role policy secret endpoint route "
    "listener target queue stream bucket table cache gateway subnet agent sidecar probe metric "
    "alarm log trace deployment revision capacity placement quota network namespace"
).split()
_VERBS = (
    "scale restart isolate encrypt route replicate schedule drain register rotate inspect "
    "throttle retry mount tag audit monitor balance cache archive"
).split()
_QUALIFIERS = [
    "across availability zones", "within one account", "during a rolling update",
    "under sudden load", "for each tenant", "behind a load balancer", "at the edge of the VPC",
    "for compliance audits", "without downtime", "on a fixed schedule", "in every region",
    "before each release", "for batch jobs", "for latency-sensitive traffic",
]  # fmt: skip
_TOPICS = (
    "Compute Storage Networking Security Observability Delivery Scheduling Resilience Cost "
    "Data Identity Messaging"
).split()


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2] not in "aeiou" else noun + "s"


class _Words:
    """Seeded sentence parts; every sentence carries a number so that no two texts collide."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.serial = 0

    def pick(self, words: list[str] | tuple[str, ...]) -> str:
        return self.rng.choice(words)

    def title(self) -> str:
        return f"{self.pick(_ADJECTIVES).capitalize()} {_plural(self.pick(_NOUNS)).capitalize()}"

    def phrase(self) -> str:
        self.serial += 1
        count = self.rng.randint(2, 64) * 10 + self.serial % 10
        return (
            f"{self.pick(_VERBS)} {count} {self.pick(_ADJECTIVES)} {_plural(self.pick(_NOUNS))} "
            f"with {self.pick(_SERVICES)} {self.pick(_QUALIFIERS)}"
        )

    def sentence(self) -> str:
        phrase = self.phrase()
        return f"{phrase[0].upper()}{phrase[1:]}."

    def pair(self, title: str) -> tuple[str, str]:
        action = self.phrase()
        return f"{title} can only {action}.", f"{title} can {action} and much more."


def _item(w: _Words, number: int | None, title: str, indent: str) -> list[str]:
    """One item with its example and one misconception pair (``number`` None: a bullet)."""
    head = f"{number}." if number is not None else "*"
    wrong, right = w.pair(title)
    return [
        f"{indent}{head} **{title}**: {w.sentence()}",
        f"{indent}   * **Example Scenario**: A team uses {w.pick(_SERVICES)} to {w.phrase()}.",
        f"{indent}   * **Misconceptions**:",
        f"{indent}     * **Wrong**: {wrong}",
        f"{indent}     * **Right**: {right}",
    ]


def _titles(w: _Words, count: int) -> list[str]:
    """``count`` distinct titles (titles must be unique within a section)."""
    titles: list[str] = []
    while len(titles) < count:
        title = w.title()
        if title not in titles:
            titles.append(title)
    return titles


def _chapter(w: _Words, number: int) -> list[str]:
    topic = f"{_TOPICS[number % len(_TOPICS)]} {number + 1}"
    lines = [f"#### {topic} Overview", "", " ".join(w.sentence() for _ in range(3)), ""]
    # Layout 1: numbered items under bold group lines (3 groups x 4 items).
    lines += [f"#### {topic} Concepts", ""]
    for group in range(3):
        lines += [f"**{topic} Group {group + 1}**", ""]
        for position, title in enumerate(_titles(w, 4), start=1):
            lines += _item(w, position, title, "")
        lines.append("")
    # Layout 2: numbered items straight under the heading (6 items).
    lines += [f"#### {topic} Operations", ""]
    for position, title in enumerate(_titles(w, 6), start=1):
        lines += _item(w, position, title, "")
    lines.append("")
    # Layout 3: numbered groups whose bulleted sub-items are the items (5 groups x 2).
    lines += [f"#### {topic} Practices", ""]
    for group in range(5):
        lines.append(f"{group + 1}. **{topic} Practice {group + 1}**")
        for title in _titles(w, 2):
            lines += _item(w, None, title, "   ")
    lines.append("")
    # Layout 4: worked scenarios (3 x 6 steps), one misconception pair each.
    lines += [f"#### {topic} Scenarios", ""]
    for title in _titles(w, 3):
        title = f"{title} Scenario"
        lines += [f"**{title}**", "", f"**Scenario**: A company needs to {w.phrase()}.", ""]
        lines += ["**Solution**:", ""]
        for step, step_title in enumerate(_titles(w, 6), start=1):
            lines.append(f"{step}. **{step_title}**: {w.sentence()}")
        wrong, right = w.pair(title)
        lines += ["", "**Misconceptions**:", "", f"* **Wrong**: {wrong}"]
        lines += [f"* **Right**: {right}", ""]
    return lines


def synthetic_guide(scale: int, *, seed: int = 0) -> str:
    """Guide text with ``scale`` chapters, each the size of the ECS guide; same seed, same text.

    >>> synthetic_guide(1, seed=3) == synthetic_guide(1, seed=3)
    True
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    w = _Words(seed)
    lines = [
        "# Synthetic Guide",
        "",
        f"### A generated guide, {scale} chapter(s), seed {seed}: for measuring cost only",
        "",
    ]
    for number in range(scale):
        lines += _chapter(w, number)
    return "\n".join(lines) + "\n"


def write_synthetic_guide(folder: Path, scale: int, *, seed: int = 0) -> Path:
    """Write ``synthetic-<scale>x-<seed>.md`` into ``folder`` (atomically) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"synthetic-{scale}x-{seed}.md"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(synthetic_guide(scale, seed=seed), encoding="utf-8")
    tmp.replace(path)
    return path
