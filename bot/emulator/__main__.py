"""`python -m bot.emulator`: only the emulator and its web chat (TAALMAATJE_HOST/PORT)."""

import os

from bot.emulator.server import serve_forever

if __name__ == "__main__":
    serve_forever(
        os.environ.get("TAALMAATJE_HOST", "127.0.0.1"),
        int(os.environ.get("TAALMAATJE_PORT", "8080")),
    )
