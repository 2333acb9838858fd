"""Choose the NLU pipeline and the two thresholds by measurement (issue 9).

Trains each candidate config on nlu_data/ (with its FallbackClassifier switched off, so the
classifier's own confidences are seen), then scores a data set: intent accuracy above the
fallback threshold T1, the share asked back ("Bedoel je ...?", T1 <= confidence < T2), and
the share of out-of-scope messages that fall back or are asked back.

    .venv/bin/python scripts/nlu_eval.py --set dev config.yml bench/diet-sparse.yml
    .venv/bin/python scripts/nlu_eval.py --set test config.yml --t1 0.25 --t2 0.7

The dev sets (tests/nlu/dev.yml, dev2.yml) choose; the test set (heldout.yml, out_of_scope.yml) only
reports. Nothing here is used by the bot at run time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Answers rather than requests: acted on when unsure (bot/dialogue/service.py).
NOT_ASKED_BACK = {"bevestigen", "ontkennen", "bedanken", "nlu_fallback"}


def examples(block_data: dict) -> list[tuple[str, str]]:
    found = []
    for block in block_data.get("nlu") or []:
        for line in block["examples"].splitlines():
            text = line.strip().removeprefix("- ").strip()
            if text:
                found.append((text, block["intent"]))
    return found


def load_set(name: str) -> tuple[list[tuple[str, str]], list[str]]:
    nlu = ROOT / "tests" / "nlu"
    if name == "dev":
        found: list[tuple[str, str]] = []
        oos: list[str] = []
        for path in (nlu / "dev.yml", nlu / "dev2.yml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            found += examples(data)
            oos += [str(t) for t in data["out_of_scope"]]
        return found, oos
    heldout = yaml.safe_load((nlu / "heldout.yml").read_text(encoding="utf-8"))
    oos = yaml.safe_load((nlu / "out_of_scope.yml").read_text(encoding="utf-8"))
    return examples(heldout), [str(t) for t in oos["out_of_scope"]]


def without_fallback(config: Path, work: Path) -> Path:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["pipeline"] = [c for c in data["pipeline"] if c["name"] != "FallbackClassifier"]
    out = work / config.name
    out.write_text(yaml.safe_dump(data), encoding="utf-8")
    return out


def train(config: Path, work: Path) -> tuple[Path, float]:
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model = train_nlu(
        config=str(without_fallback(config, work)),
        nlu_data=str(ROOT / "nlu_data"),
        output=str(work),
        domain=str(ROOT / "domain.yml"),
    )
    return Path(model), time.perf_counter() - started


async def predictions(model: Path, texts: list[str]) -> list[tuple[str, float, list]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    found = []
    for text in texts:
        parsed = await agent.parse_message(text)
        ranking = [(r["name"], r["confidence"]) for r in parsed.get("intent_ranking") or []]
        found.append((parsed["intent"]["name"], parsed["intent"]["confidence"], ranking))
    return found


def score(inscope, labels, oos, t1: float, t2: float) -> dict:
    right = asked = asked_right = wrong_direct = 0
    confusions: Counter = Counter()
    for (intent, conf, ranking), label in zip(inscope, labels, strict=True):
        if conf < t1:
            confusions[(label, "nlu_fallback")] += 1
            continue
        if intent == label:
            right += 1
        else:
            confusions[(label, intent)] += 1
        if conf < t2 and intent not in NOT_ASKED_BACK:
            asked += 1
            offered = [n for n, c in ranking[:2] if n not in NOT_ASKED_BACK]
            asked_right += label in offered
        elif intent != label:
            wrong_direct += 1
    caught = 0
    for intent, conf, _ in oos:
        if intent == "nlu_fallback" or conf < t1 or (conf < t2 and intent not in NOT_ASKED_BACK):
            caught += 1
    n = len(labels)
    return {
        "t1": t1,
        "t2": t2,
        "accuracy": round(right / n, 4),
        "asked_back": round(asked / n, 4),
        "asked_back_right_offered": round(asked_right / max(asked, 1), 4),
        "wrong_acted_on": round(wrong_direct / n, 4),
        "oos_caught": round(caught / len(oos), 4),
        "confusions": [f"{a}->{b} x{c}" for (a, b), c in confusions.most_common(12)],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("configs", nargs="+", type=Path)
    parser.add_argument("--set", choices=("dev", "test"), default="dev")
    parser.add_argument("--t1", type=float, nargs="*", default=[0.2, 0.25, 0.3, 0.35, 0.4])
    parser.add_argument("--t2", type=float, nargs="*", default=[0.5, 0.6, 0.7, 0.8])
    args = parser.parse_args()
    from bot.dialogue import rasa_env

    rasa_env.prepare()
    inscope, oos = load_set(args.set)
    texts = [t for t, _ in inscope]
    labels = [label for _, label in inscope]
    for config in args.configs:
        with tempfile.TemporaryDirectory() as tmp:
            model, seconds = train(config.resolve(), Path(tmp))
            found = asyncio.run(predictions(model, texts + oos))
        results = [
            score(found[: len(texts)], labels, found[len(texts) :], t1, t2)
            for t1 in args.t1
            for t2 in args.t2
            if t2 >= t1
        ]
        print(json.dumps({"config": str(config), "train_s": round(seconds, 1), "set": args.set,
                          "n": len(texts), "oos": len(oos), "results": results},
                         ensure_ascii=False, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
