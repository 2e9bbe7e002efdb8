"""The data the tutor ships with: installed, this folder is the package ``ecs_tutor_data``
(pyproject.toml maps it), read with importlib.resources."""
