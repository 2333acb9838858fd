"""`taalmaatje bench` runs end to end and reports every figure (values are not judged here:
speed is measured by the benchmark, never asserted by tests; the crash figure's values are
asserted by tests/e2e/test_crash_recovery.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

FIGURES = {
    "training_s", "cold_start_s", "turn_p50_ms", "turn_p99_ms", "turns_per_s",
    "long_turn10_p50_ms", "long_turn300_p50_ms", "long_ratio", "peak_rss_mb",
    "practice_p50_ms", "practice_p99_ms",
}  # fmt: skip
CRASH = {
    "delivery", "learners", "kills", "messages", "answered", "lost", "duplicates",
    "turns_rerun", "not_done", "recovery_s", "unanswered_at_kill", "inbox_waiting_at_kill",
}  # fmt: skip


@pytest.mark.timeout(600)
def test_bench_reports_every_figure(model_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "--json", "--learners", "3", "--turns", "2",
         "--long", "12", "--no-baseline", "--crash-learners", "3", "--kills", "1",
         "--prompts", "40"],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    # The project's configuration, then the same without the inbox (issue 10's "before").
    inbox, updater = report["figures"]
    assert (inbox["name"], updater["name"]) == ("taalmaatje", "taalmaatje, updater")
    for figures, delivery in ((inbox, "inbox"), (updater, "updater")):
        assert figures["learners"] == 3
        assert FIGURES - {"training_s"} <= set(figures)
        assert all(figures[name] > 0 for name in FIGURES - {"training_s"})
        crash = figures["crash"]
        assert set(crash) == CRASH and crash["delivery"] == delivery
        assert crash["messages"] == 3 * 3 * 2 and len(crash["unanswered_at_kill"]) == 1
    assert inbox["training_s"] > 0 and updater["training_s"] == 0  # it reuses the model
    # Buddies' prompts through the outbox: every one delivered, under the rate limit.
    drain = inbox["outbox"]
    assert (drain["prompts"], drain["delivered"], drain["rate_limit"]) == (40, 40, 30.0)
    assert 0 < drain["per_s"] and updater["outbox"] is None
