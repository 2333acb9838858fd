"""`taalmaatje bench` runs end to end and reports every figure (values are not judged here:
speed is measured by the benchmark, never asserted by tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

FIGURES = {
    "training_s", "cold_start_s", "turn_p50_ms", "turn_p99_ms", "turns_per_s",
    "long_turn10_p50_ms", "long_turn300_p50_ms", "long_ratio", "peak_rss_mb",
    "practice_p50_ms", "practice_p99_ms",
}  # fmt: skip


def test_bench_reports_every_figure(model_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "--json", "--learners", "3", "--turns", "2",
         "--long", "12", "--no-baseline"],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    (figures,) = report["figures"]
    assert figures["name"] == "taalmaatje" and figures["learners"] == 3
    assert FIGURES <= set(figures)
    assert all(figures[name] > 0 for name in FIGURES)
