"""``python -m tutor`` is the ``ecs-tutor`` command."""

import sys

from tutor.cli import main

sys.exit(main())
