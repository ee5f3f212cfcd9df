"""Compares ways of joining the network and the measurements (the fusion form and the doubt rule)
without touching the test split and without training the network again.

train.py saves every network output it computed (work/outputs.npz): the out-of-fold outputs of the
train and val photos (each judged by heads that never saw its collection) and the final heads'
outputs. Here each candidate rule is fitted on three of the four collection folds and judged on
the fourth, in turn, so every number is what the rule does on collections its fusion never saw
and on network outputs from heads that never saw them either. Test rows are never read.

  .venv/bin/python fusion_lab.py [--dataset work/dataset] [--outputs work/outputs.npz]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import train
from train import REASONS


def cross_fitted(ds: train.Dataset, p: np.ndarray, sev: np.ndarray, rows: np.ndarray, fold: np.ndarray,
                 form: str, doubt: str, hard_good_cost: float = 1.0) -> dict:
    """Engine metrics of the rule `form` + `doubt` over `rows`, each fold judged by what
    train.fit_judge fits on the other folds (its reject bar chosen on those folds too)."""
    y = ds.targets[:, :len(REASONS)]
    verdict = np.full(len(ds.samples), "", dtype=object)
    shown = np.zeros(y.shape, bool)
    confidence = np.zeros(y.shape)
    for k in sorted(set(fold[rows])):
        fit, out = rows & (fold != k), rows & (fold == k)
        fusion, _, bar = train.fit_judge(p, p[fit], sev, ds, fit, fit, form, doubt, 0.0, hard_good_cost)
        show_at = np.array([fusion[c]["show_at"] for c in REASONS])
        review_at, floor = train.doubt_rule(fusion)
        fused = train.fused_probabilities(fusion, p[out], sev[out])
        verdict[out] = train.verdicts(fused, sev[out], show_at, bar, review_at, floor)
        confidence[out], shown[out] = train.engine_reasons(fused, sev[out], show_at, review_at, floor)
    verdict, shown, confidence, y = verdict[rows], shown[rows], confidence[rows], y[rows]
    samples = [s for s, m in zip(ds.samples, rows) if m]
    defective = y.any(axis=1)
    flagged = verdict != "keep"
    hard = np.array([bool(s.get("hard_good")) for s in samples])
    recalls = {code: float(shown[y[:, j] > 0, j].mean()) if (y[:, j] > 0).any() else None
               for j, code in enumerate(REASONS)}
    right = shown & (y > 0)
    doubted = shown & (confidence == train.DOUBTED_CONFIDENCE)
    return {
        "accuracy": float((flagged == defective).mean()),
        "false_flags": float(flagged[~defective].mean()),
        "hard_good_flagged": float(flagged[hard].mean()),
        "good_rejected": int(((verdict == "reject") & ~defective).sum()),
        "defects_kept": float((~flagged[defective]).mean()),
        "defects_rejected": float((verdict[defective] == "reject").mean()),
        "right_reason": float(right[defective].any(axis=1).mean()),
        "lowest_recall": min(v for v in recalls.values() if v is not None),
        "recall": recalls,
        "doubted_right": float(y[doubted].mean()) if doubted.any() else None,
    }


def write_card(args) -> dict:
    """train.fit_judge on the saved outputs: the card's fusion, band and reject bar, refitted."""
    ds = train.load_dataset(args.dataset)
    saved = np.load(args.outputs)
    if str(saved["digest"]) != train.dataset_digest(ds):
        raise ValueError("the saved outputs were computed on another dataset")
    val = ds.mask("val")
    fusion, _, reject_at = train.fit_judge(saved["p_oof"], saved["p_final"][val], train.measured_severities(ds.samples),
                                           ds, saved["oof_rows"], val, args.fusion, args.doubt, 0.0)
    card = json.loads(args.write_card.read_text())
    card["fusion"]["reasons"] = {c: train._rounded(fusion[c]) for c in REASONS}
    card["fusion"]["reject_at"] = reject_at
    card["fusion"]["form"], card["fusion"]["doubt"] = args.fusion, args.doubt
    # train.py's own numbers were for the rule it fitted; evaluate.py measures this one.
    card.pop("evaluation", None)
    args.write_card.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    print(f"{args.write_card}: fusion {args.fusion}, doubt {args.doubt}, reject_at {reject_at}")
    return card


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, default=train.DEFAULT_DATASET)
    ap.add_argument("--outputs", type=Path, default=train.WORK_DIR / "outputs.npz")
    ap.add_argument("--out", type=Path, help="write the table as markdown here")
    ap.add_argument("--write-card", type=Path, metavar="CARD",
                    help="refit the fusion of this card (the .json beside a model train.py made from the "
                         "same outputs) by the rule --fusion/--doubt, as train.py would, and skip the comparison")
    ap.add_argument("--fusion", choices=["pair", "stacked"], default=train.DEFAULT_FUSION)
    ap.add_argument("--doubt", choices=train.DOUBT_RULES, default=train.DEFAULT_DOUBT)
    args = ap.parse_args(argv)
    if args.write_card:
        return write_card(args)
    ds = train.load_dataset(args.dataset)
    saved = np.load(args.outputs)
    rows, p = saved["oof_rows"], saved["p_oof"]
    sev = train.measured_severities(ds.samples)
    collection = np.array([s["source"].split("__")[0] for s in ds.samples], dtype=object)
    fold = train.collection_folds(collection, rows, train.FUSION_FOLDS)
    results = {}
    lines = ["| fusion | doubt rule | hard-good cost | accuracy | false flags | hard-good flagged | good rejected "
             "| defects kept | right reason | lowest recall | doubted right |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    # Every rule at cost 1, then the default rule with false flags on hard goods counting more
    # when show_at and the band are chosen.
    rules = [(form, doubt, 1.0) for form in ("pair", "stacked") for doubt in train.DOUBT_RULES]
    rules += [(train.DEFAULT_FUSION, train.DEFAULT_DOUBT, c) for c in (2.0, 4.0)]
    for form, doubt, cost in rules:
        m = cross_fitted(ds, p, sev, rows, fold, form, doubt, cost)
        results[f"{form}/{doubt}" + (f"/cost {cost:g}" if cost != 1.0 else "")] = m
        lines.append(f"| {form} | {doubt} | {cost:g} | {m['accuracy']:.3f} | {100 * m['false_flags']:.1f} % "
                     f"| {100 * m['hard_good_flagged']:.1f} % | {m['good_rejected']} "
                     f"| {100 * m['defects_kept']:.1f} % | {m['right_reason']:.3f} "
                     f"| {m['lowest_recall']:.3f} | "
                     + (f"{m['doubted_right']:.2f}" if m['doubted_right'] is not None else "–") + " |")
        print(lines[-1], flush=True)
    table = (f"Fusion rules cross-fitted over {train.FUSION_FOLDS} collection folds of the train+val "
             f"out-of-fold outputs ({int(rows.sum())} samples; test never read):\n\n" + "\n".join(lines) + "\n")
    if args.out:
        args.out.write_text(table)
    return results


if __name__ == "__main__":
    main()
