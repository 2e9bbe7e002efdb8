"""The parser reads every layout of the guide format, and nothing in it is specific to ECS."""

import json
from pathlib import Path

import pytest

from ingest import GuideFormatError, load_catalog, parse_guide, read_guide

FIXTURES = Path(__file__).parent / "fixtures"

EXPECTED_ITEMS = {
    "Key Concepts > ECS Components": ["Clusters", "Task Definitions", "Tasks", "Services"],
    "Key Concepts > ECS Modes": ["Fargate", "EC2"],
    "Key Concepts > Networking": ["Task Networking", "Service Discovery", "Load Balancing"],
    "Key Concepts > Storage": ["EFS Integration", "EBS Volumes"],
    "Configuration and Management > Task Definitions": [
        "Creating Task Definitions",
        "Task Roles and Permissions",
    ],
    "Configuration and Management > Service Management": [
        "Service Auto Scaling",
        "Service Updates",
    ],
    "Security": ["IAM Roles for Tasks", "Network Security"],
    "Monitoring and Logging": ["CloudWatch Metrics and Logs", "AWS X-Ray"],
    "Integration with Other AWS Services": [
        "Elastic Load Balancing (ELB)",
        "Amazon RDS",
        "Amazon EFS",
    ],
    "Best Practices > Performance Optimization": [
        "Choosing the Right Instance Type",
        "Resource Limits",
    ],
    "Best Practices > Security Best Practices": ["IAM Roles and Policies", "Secrets Management"],
    "Best Practices > Cost Management": [
        "Monitor and Optimize Resource Usage",
        "Use Spot Instances",
    ],
}


def test_items_per_section_match_the_guide_exactly(guide):
    found = {}
    for item in guide.items:
        found.setdefault(item.section, []).append(item.title)
    assert found == EXPECTED_ITEMS


def test_all_31_pairs_are_found_and_each_sits_on_its_own_item(guide):
    assert len(guide.pairs) == 31
    owners = [pair.owner for pair in guide.pairs]
    titles = [item.title for item in guide.items] + [s.title for s in guide.scenarios]
    assert owners == titles  # one pair per item and scenario, in guide order


@pytest.mark.parametrize(
    ("owner", "wrong_start", "right_start"),
    [
        ("Clusters", "Clusters can only host", "Clusters can host multiple"),
        ("EFS Integration", "EFS can only be used with EC2 tasks", "EFS can be used with both"),
        ("Amazon EFS", "EFS can only be used with EC2 instances", "EFS can be mounted"),
        ("Secrets Management", "Hardcoding secrets", "Using secrets management"),
        ("Use Spot Instances", "Spot Instances are too unreliable", "Spot Instances can be"),
        ("Batch Processing with Fargate", "Fargate cannot handle", "Fargate is suitable"),
    ],
)
def test_pairs_are_attached_to_the_right_item(guide, owner, wrong_start, right_start):
    (pair,) = guide.pairs_of(owner)
    assert pair.wrong.startswith(wrong_start)
    assert pair.right.startswith(right_start)


def test_items_keep_title_description_example_and_kind(guide):
    efs = next(item for item in guide.items if item.title == "EFS Integration")
    assert efs.description == "Provides shared storage for containers."
    assert efs.example.startswith("A content management system uses EFS")
    assert efs.kind == "concept"
    limits = next(item for item in guide.items if item.title == "Resource Limits")
    assert limits.kind == "practice"
    assert limits.section == "Best Practices > Performance Optimization"


def test_worked_scenarios_have_their_steps(guide):
    steps = {s.title: [step.title for step in s.steps] for s in guide.scenarios}
    assert {title: len(s) for title, s in steps.items()} == {
        "Scalable Microservices Architecture": 7,
        "Batch Processing with Fargate": 5,
        "Real-Time Data Processing with Kinesis and ECS": 6,
    }
    assert steps["Batch Processing with Fargate"][2] == "S3 Integration"
    kinesis = guide.scenarios[2]
    assert kinesis.problem.startswith("A data analytics company")
    assert kinesis.section == "Example Scenarios"


def test_overview_and_summary_text_are_kept_on_their_sections(guide):
    sections = {s.name: s for s in guide.sections}
    assert sections["Overview"].text.startswith("Amazon Elastic Container Service (ECS)")
    assert sections["Summary"].text.startswith("Amazon ECS is a powerful")
    assert "Example Scenarios > Batch Processing with Fargate" not in sections


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Put an ALB in front of Fargate tasks", ("Application Load Balancer", "AWS Fargate")),
        ("Store secrets in Parameter Store", ("AWS Systems Manager Parameter Store",)),
        ("Read from Kinesis Data Streams", ("Amazon Kinesis Data Streams",)),
        ("Use EC2 Spot Instances for batch", ("Amazon EC2 Spot Instances",)),
        ("EC2-backed tasks can use EBS", ("Amazon EC2", "Amazon EBS")),
        ("an alb is not an acronym here", ()),
        ("Elastic Load Balancing spreads load", ("Elastic Load Balancing",)),
    ],
)
def test_service_mentions_resolve_through_the_alias_table(text, expected):
    assert load_catalog().mentions(text) == expected


def test_services_mentioned_by_items_steps_and_pairs(guide):
    secrets = next(item for item in guide.items if item.title == "Secrets Management")
    assert secrets.services[:2] == ("AWS Secrets Manager", "AWS Systems Manager Parameter Store")
    storage_step = guide.scenarios[2].steps[4]
    assert storage_step.services == ("Amazon RDS", "Amazon DynamoDB")
    assert "Amazon DynamoDB" in guide.services


def test_a_second_guide_in_the_same_format_parses_with_no_code_change():
    expected = json.loads((FIXTURES / "eks-mini.expected.json").read_text())
    guide = read_guide(FIXTURES / "eks-mini.md")
    per_section = {}
    for item in guide.items:
        per_section[item.section] = per_section.get(item.section, 0) + 1
    assert per_section == expected["sections"]
    assert len(guide.items) == expected["items"]
    assert len(guide.pairs) == expected["pairs"]
    assert {s.title: len(s.steps) for s in guide.scenarios} == expected["scenarios"]
    assert "Amazon EKS" in guide.services


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty"),
        (
            "#### A\n\n1. **T**: d\n   * **Misconceptions**:\n     * **Wrong**: w\n",
            5,
            "Wrong without a Right",
        ),
        (
            "#### A\n\n1. **T**: d\n   * **Misconceptions**:\n     * **Right**: r\n",
            5,
            "Right without a Wrong",
        ),
        ("#### A\n\n1. **T**: d\n2. **T**: e\n", 4, "duplicate title"),
        ("#### A\n\n1. ****: d\n", 3, "bold title"),
        ("#### A\n\n* **Wrong**: w\n", 3, "no item above"),
        ("#### A\n\nJust prose.\n", 1, "no items"),
    ],
)
def test_broken_guides_fail_with_file_and_line(text, line, message):
    with pytest.raises(GuideFormatError) as caught:
        parse_guide(text, source="broken.md")
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"broken.md:{line}:")


def test_a_guide_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("#### A\n\n1. **Caf\xe9**: d\n".encode("latin-1"))
    with pytest.raises(GuideFormatError, match=r"latin1.md:3: .*UTF-8"):
        read_guide(path)


def test_an_item_and_a_worked_scenario_keep_their_source_line():
    guide = parse_guide(
        "# T\n\n#### S\n\n1. **Volumes**: Disks.\n   * **Misconceptions**:\n"
        "     * **Wrong**: None.\n     * **Right**: Some.\n"
        "   * **Source**: Volumes page (https://docs.aws.amazon.com/x.html)\n\n"
        "#### Worked\n\n**Plan**\n\n**Scenario**: A need.\n\n**Solution**:\n\n1. **Do**: It.\n\n"
        "**Misconceptions**:\n\n* **Wrong**: A.\n* **Right**: B.\n\n* **Source**: Plan page (u)\n"
    )
    assert guide.items[0].source == "Volumes page (https://docs.aws.amazon.com/x.html)"
    assert guide.scenarios[0].source == "Plan page (u)"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("     * **Wrong**: None.\n   * **Source**: p\n", ":7: Wrong without a Right"),
        ("   * **Source**: p\n   * **Source**: q\n", ":8: 'Volumes' has a second Source line"),
    ],
)
def test_a_source_line_cannot_split_a_pair_or_come_twice(lines, message):
    text = "# T\n\n#### S\n\n1. **Volumes**: Disks.\n   * **Misconceptions**:\n" + lines
    with pytest.raises(GuideFormatError, match=message):
        parse_guide(text)


def test_the_in_depth_guide_gives_every_item_a_scenario_a_pair_and_a_source():
    guide = read_guide(Path(__file__).resolve().parent.parent / "data/guides/ecs-in-depth.md")
    assert len(guide.items) >= 50 and len(guide.scenarios) >= 4
    for item in guide.items:
        assert item.description and item.example
        assert "https://docs.aws.amazon.com/" in item.source, item.title
        assert len(guide.pairs_of(item.title)) == 1, item.title
    for scenario in guide.scenarios:
        assert len(scenario.steps) >= 4 and "https://" in scenario.source
        assert len(guide.pairs_of(scenario.title)) == 1
