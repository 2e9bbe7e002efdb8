"""Studying over time: quiz cards, FSRS progress per learner, the Anki export, and the library of
guides a learner can study."""

from tutor.study.library import GuideLibrary
from tutor.study.progress import ProgressStore
from tutor.study.quiz import Card, Quiz

__all__ = ["Card", "GuideLibrary", "ProgressStore", "Quiz"]
