"""``python -m bot`` does what the ``taalmaatje`` command does."""

from bot.cli import main

raise SystemExit(main())
