"""An optional NLI cross-encoder for stage 2 of check: does the claim entail the guide's Wrong or
its Right statement, or contradict one of them?

Off unless ``ECS_TUTOR_NLI`` (``Settings.nli``) names a local sentence-transformers ``CrossEncoder``
NLI model directory; nothing is ever downloaded. Its vote overrules the side the rules or the
fitted model chose only when it is clear (``NLI_MARGIN``). That margin is hand-set, not fitted: no
NLI model was available when this hook was written, so it has been tested only with a stand-in
scorer, never against a real NLI model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from tutor.errors import ModelNotFound, TutorError

NLI_MARGIN = 0.5  # |lean| in [0, 1] below which the NLI vote is ignored


class NliScorer(Protocol):
    """(premise, hypothesis) pairs -> one row (entailment, contradiction) of probabilities each."""

    def __call__(self, pairs: list[tuple[str, str]]) -> np.ndarray: ...


class CrossEncoderNli:
    """A local sentence-transformers ``CrossEncoder`` NLI model as an ``NliScorer``; its labels
    are read from the model's config (``id2label``), so label order does not matter."""

    def __init__(self, path: Path | str):
        path = Path(path)
        if not path.is_dir():
            raise ModelNotFound(f"{path}: no NLI model directory there (ECS_TUTOR_NLI)")
        from sentence_transformers import CrossEncoder  # only when an NLI model is asked for

        try:
            self.model = CrossEncoder(str(path), device="cpu")
        except Exception as exc:  # any loading failure is the same thing to the user
            raise ModelNotFound(f"{path}: cannot load it as a CrossEncoder ({exc})") from exc
        config = getattr(self.model, "config", None)
        labels = {str(v).lower(): int(k) for k, v in getattr(config, "id2label", {}).items()}
        if not {"entailment", "contradiction"} <= set(labels):
            raise TutorError(f"{path}: not an NLI model (labels {sorted(labels)})")
        self.columns = [labels["entailment"], labels["contradiction"]]

    def __call__(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        probabilities = self.model.predict(pairs, apply_softmax=True, convert_to_numpy=True)
        return np.asarray(probabilities)[:, self.columns]


def nli_side(scorer: NliScorer, claim: str, wrong: str, right: str) -> tuple[str, float] | None:
    """The side the NLI scores give the claim and a probability for it, or ``None`` if unclear.

    The claim leans Wrong as much as it entails Wrong or contradicts Right, and the other way
    round: lean = ((e_wrong + c_right) - (e_right + c_wrong)) / 2, in [-1, 1].
    """
    (e_wrong, c_wrong), (e_right, c_right) = np.asarray(scorer([(claim, wrong), (claim, right)]))
    lean = float((e_wrong + c_right) - (e_right + c_wrong)) / 2
    if abs(lean) < NLI_MARGIN:
        return None
    return ("wrong" if lean > 0 else "right"), 0.5 + 0.5 * abs(lean)


def nli_from_settings(path: str | None) -> NliScorer | None:
    """The scorer for ``Settings.nli`` (``ECS_TUTOR_NLI``): ``None`` when unset, the default."""
    return CrossEncoderNli(path) if path else None
