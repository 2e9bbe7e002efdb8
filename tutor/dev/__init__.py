"""Developer tools: evaluation, the check model's fit, benchmarks, synthetic guides and the
naive baseline. Never imported by the app or the study commands; the CLI loads them only for
``eval``, ``fit`` and ``bench``."""
