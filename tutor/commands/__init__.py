"""The ``ecs-tutor`` commands, one module per group; ``tutor/cli.py`` registers them in order.

``answers`` (ingest, ask, check, explore), ``study`` (quiz, export), ``serve`` (the web app) and
``dev`` (eval, fit, bench: developer tools). ``shared`` holds what they have in common."""
