"""One migration per schema change, oldest first."""
