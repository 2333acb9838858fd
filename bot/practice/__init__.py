"""Practice themes and the learner's progress in them."""
