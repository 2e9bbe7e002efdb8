"""The keys of the JSON the CLI prints and the library's ``to_dict`` returns (README, "CLI")."""

ASK_KEYS = {
    "question",
    "answer",
    "sources",
    "covered",
    "confidence",
    "certainty",
}  # issue 17 grew it
SOURCE_KEYS = {"title", "section", "kind", "score", "guide", "source"}
CHECK_KEYS = {"claim", "verdict", "confidence", "certainty", "match", "explanation"}
MATCH_KEYS = {"title", "section", "wrong", "right", "guide", "source", "correction"}
