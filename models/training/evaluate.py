"""Judges the test split of a dataset with a *shipped* model and its card, by the engine's whole
rule (the card's fusion, the doubt floor, the reject bar: train.engine_reasons / verdicts), and
writes the tables MODELS.md quotes. train.py reports on the model it has just trained; this
measures the one in the repository, so a model can be re-measured after a rule changes without
training again (training on two cores is not bit-for-bit repeatable, see MODELS.md).

  .venv/bin/python evaluate.py --dataset work/dataset --model ../cull-judge-3.onnx --out evaluation.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import train
from train import REASONS, _fmt, _pct


def judge(ds: train.Dataset, mask: np.ndarray, p: np.ndarray, card: dict) -> dict:
    """Engine metrics of the rows in `mask`; `p` holds the network outputs of those rows."""
    fusion = card["fusion"]["reasons"]
    samples = [s for s, m in zip(ds.samples, mask) if m]
    show_at = np.array([max(fusion[c]["show_at"], train.MIN_SHOW_AT) for c in REASONS])
    return train.engine_metrics(fusion, show_at, p, train.measured_severities(samples), samples,
                                ds.targets[mask], reject_at(card))


def reject_at(card: dict) -> float:
    """The card's reject bar; cards before cull-judge 3 had none and used 0.9."""
    return float(card["fusion"].get("reject_at", train.SURE_CONFIDENCE))


def lowest_recall(m: dict) -> float | None:
    rec = [r["recall"] for r in m["per_reason"].values() if r["recall"] is not None]
    return min(rec) if rec else None


def markdown(parts: dict[str, dict], model: Path, dataset: Path, split: str = "test",
             bar: float = train.SURE_CONFIDENCE) -> str:
    test = parts[split]
    lines = [f"# Evaluation of `{model.name}` by the engine's rule", "",
             f"Dataset `{dataset}`, {split} split; written by `models/training/evaluate.py`. "
             "Every number is what a scan decides: the card's fusion, its doubt rule (a reason the "
             "fusion does not show kept for review: by the learned band `review_at`, or by a measured "
             "severity of at least the reason's learned floor `doubt_severity` — "
             f"{train.DOUBT_SEVERITY} for cards without the key) and "
             f"the card's reject bar (confidence ≥ {bar}).", "",
             f"| part of {split} | n | accuracy | false flags | hard-good false flags | lowest recall "
             "| good samples rejected | fusion alone (no doubt rule): accuracy, false flags |",
             "|---|---|---|---|---|---|---|---|"]
    for label, m in parts.items():
        if not m.get("n"):
            continue
        hard = m["false_flags_hard_good"]["rate"]
        lines.append(f"| {label} | {m['n']} | {_fmt(m['accuracy'])} | {_pct(m['false_flags']['rate'])} "
                     f"| {_pct(hard)} | {_fmt(lowest_recall(m))} | {m['rejected_good_samples']} "
                     f"| {_fmt(m['without_doubt_floor']['accuracy'])}, "
                     f"{_pct(m['without_doubt_floor']['false_flag_rate'])} |")
    lines += ["", f"Verdicts ({split}, normal sensitivity; measurements alone in brackets):", "",
              "| kind | keep | review | reject |", "|---|---|---|---|"]
    for kind, row in test["verdicts"].items():
        mo = test["measured_only"]["verdicts"][kind]
        lines.append(f"| {kind.replace('_', ' ')} | {row['keep']} ({mo['keep']}) | {row['review']} "
                     f"({mo['review']}) | {row['reject']} ({mo['reject']}) |")
    lines += ["", f"Calibration ({split}): shown reasons by confidence; doubted reasons (confidence "
              f"{train.DOUBTED_CONFIDENCE}) are the lowest bin.", "",
              "| confidence | shown reasons | mean confidence | really present |", "|---|---|---|---|"]
    for row in test["reliability"]:
        lines.append(f"| {row['bin']} | {row['n']} | {_fmt(row['mean_confidence'])} | {_fmt(row['right'])} |")
    lines += ["", f"Per reason ({split}):", "", "| reason | precision | recall | support | FP | FN |",
              "|---|---|---|---|---|---|"]
    for code, r in test["per_reason"].items():
        lines.append(f"| {code} | {_fmt(r['precision'])} | {_fmt(r['recall'])} | {r['support']} "
                     f"| {r['fp']} | {r['fn']} |")
    conf = test["confusion"]
    lines += ["", f"Confusion matrix ({split}; {conf['note']}):", "",
              "| true \\ predicted | " + " | ".join(conf["classes"]) + " |",
              "|---" * (len(conf["classes"]) + 1) + "|"]
    for name, row in zip(conf["classes"], conf["matrix"]):
        lines.append(f"| {name} | " + " | ".join(str(x) for x in row) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, default=train.DEFAULT_DATASET)
    ap.add_argument("--model", type=Path, required=True, help="the .onnx; its card is the .json beside it")
    ap.add_argument("--out", type=Path, required=True, help="markdown report")
    ap.add_argument("--split", default="test", choices=["test", "val"],
                    help="val: for choosing between models (both were tuned on it); test: to report")
    ap.add_argument("--set-reject-at", action="store_true",
                    help="choose the card's reject bar on val (train.choose_reject_at) and write it into "
                         "the card first, for a model trained before train.py chose it")
    args = ap.parse_args(argv)
    ds = train.load_dataset(args.dataset)
    card_path = args.model.with_suffix(".json")
    card = json.loads(card_path.read_text())
    session = train.ort_session(args.model)
    if args.set_reject_at:
        val_idx = np.flatnonzero(ds.mask("val"))
        p_val, _ = train.run_model(session, ds.views[val_idx], ds.features[val_idx], batch=64)
        samples = [ds.samples[i] for i in val_idx]
        fusion = card["fusion"]["reasons"]
        show_at = np.array([max(fusion[c]["show_at"], train.MIN_SHOW_AT) for c in REASONS])
        severity = train.measured_severities(samples)
        fused = train.fused_probabilities(fusion, p_val, severity)
        card["fusion"]["reject_at"] = train.choose_reject_at(fused, severity, show_at, samples,
                                                             *train.doubt_rule(fusion))
        # train.py counted rejected good test samples under the old fixed bar; evaluation.md has
        # the count under this one.
        card.get("evaluation", {}).pop("test_good_rejected", None)
        card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
        print(f"reject_at {card['fusion']['reject_at']} written to {card_path}")
    test_m = ds.mask(args.split)
    collection = np.array([s["source"].split("__")[0] for s in ds.samples], dtype=object)
    seen = set(collection[ds.mask("train") | ds.mask("val")])
    unseen_m = test_m & ~np.isin(collection, sorted(seen))
    masks = {args.split: test_m,
             "collections never seen (" + ", ".join(sorted(set(collection[unseen_m]))) + ")": unseen_m,
             "unseen photos of seen collections": test_m & ~unseen_m,
             "heldout generator variant": ds.mask(args.split, heldout=True)}
    idx = np.flatnonzero(test_m | masks["heldout generator variant"])
    p_all, _ = train.run_model(session, ds.views[idx], ds.features[idx], batch=64)
    row_of = {i: k for k, i in enumerate(idx)}
    parts = {}
    for label, mask in masks.items():
        rows = [row_of[i] for i in np.flatnonzero(mask)]
        parts[label] = judge(ds, mask, p_all[rows], card) if rows else {"n": 0}
    args.out.write_text(markdown(parts, args.model, args.dataset, args.split, reject_at(card)))
    return parts


if __name__ == "__main__":
    main()
