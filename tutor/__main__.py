"""``python -m tutor`` is the ``ecs-tutor`` command."""

import sys

from .cli import main

sys.exit(main())
