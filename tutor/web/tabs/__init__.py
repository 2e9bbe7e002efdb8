"""The app's tabs, one module each, in the order they appear: each ``build(state)`` makes its
components inside the open ``gr.Tab`` and wires their events."""

from tutor.web.tabs import chat, check, classroom, exam, explore, guides, progress, quiz

__all__ = ["chat", "check", "classroom", "exam", "explore", "guides", "progress", "quiz"]
