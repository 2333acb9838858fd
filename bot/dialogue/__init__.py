"""Dialogue: the Rasa model (training, loading) and the in-process plumbing around it."""
