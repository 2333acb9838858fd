"""The Taalhuis in your pocket: organisation data and the plain-Python logic behind the answers.

``organisation`` loads and checks ``bot/content/taalhuis.yml`` (locations, opening and walk-in
hours, closing days, courses, membership, sign language); ``hours`` answers "is it open?" and
"when?"; ``membership`` walks the yes/no questions for a free library card; ``courses`` picks
the courses that fit. This package is domain code only: it never imports telegram, rasa or
rasa_sdk, so the Rasa actions and the tests use it alike. Nothing is read at import time.
"""
