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


def load_samples(dataset: Path) -> list[dict]:
    with open(dataset / "samples.jsonl") as f:
        return [json.loads(line) for line in f if line.strip()]


def targets_of(samples: list[dict]) -> np.ndarray:
    y = np.zeros((len(samples), len(REASONS)), np.float32)
    for i, s in enumerate(samples):
        for code in s["labels"]:
            y[i, REASONS.index(code)] = 1.0
    return y


def cross_fitted(p: np.ndarray, sev: np.ndarray, y: np.ndarray, samples: list[dict], fold: np.ndarray,
                 form: str, doubt: str, hard_good_cost: float = 1.0) -> dict:
    """Engine metrics of the rule `form` + `doubt`, each fold judged by a fusion fitted on the others."""
    n = len(samples)
    fused = np.zeros((n, len(REASONS)))
    show_at = np.zeros((n, len(REASONS)))
    review_at = np.full((n, len(REASONS)), np.inf)
    floor = np.full((n, len(REASONS)), np.inf)
    reject_at = np.zeros(n)
    cost = train.false_flag_cost(samples, hard_good_cost)
    for k in sorted(set(fold)):
        fit, out = fold != k, fold == k
        fusion, _ = train.fit_fusion(p[fit], sev[fit], y[fit], 0.0, form, cost[fit])
        fused_fit = train.fused_probabilities(fusion, p[fit], sev[fit])
        for j, code in enumerate(REASONS):
            f = fusion[code]
            if doubt in ("band", "both"):
                f["review_at"] = train.choose_review_at(fused_fit[:, j], y[fit][:, j], f["show_at"],
                                                        fp_weight=cost[fit])
            f["doubt_severity"] = train.DOUBT_SEVERITY if doubt in ("floor", "both") else None
        r_at, fl = train.doubt_rule(fusion)
        s_at = np.array([fusion[c]["show_at"] for c in REASONS])
        fit_samples = [s for s, m in zip(samples, fit) if m]
        bar = train.choose_reject_at(fused_fit, sev[fit], s_at, fit_samples, r_at, fl)
        fused[out] = train.fused_probabilities(fusion, p[out], sev[out])
        show_at[out], review_at[out], floor[out], reject_at[out] = s_at, r_at, fl, bar
    # The engine's rule row by row, each row with its own fold's parameters.
    verdict, shown_all, conf_all = [], np.zeros_like(fused, bool), np.zeros_like(fused)
    for i in range(n):
        verdict += train.verdicts(fused[i:i + 1], sev[i:i + 1], show_at[i], reject_at[i], review_at[i], floor[i])
        conf_all[i], shown_all[i] = [a[0] for a in train.engine_reasons(
            fused[i:i + 1], sev[i:i + 1], show_at[i], review_at[i], floor[i])]
    verdict = np.array(verdict)
    defective = y.any(axis=1)
    flagged = verdict != "keep"
    hard = np.array([bool(s.get("hard_good")) for s in samples])
    recalls = {}
    for j, code in enumerate(REASONS):
        pos = y[:, j] > 0
        recalls[code] = float(shown_all[pos, j].mean()) if pos.any() else None
    right = shown_all & (y > 0)
    return {
        "accuracy": float((flagged == defective).mean()),
        "false_flags": float(flagged[~defective].mean()),
        "hard_good_flagged": float(flagged[hard].mean()),
        "good_rejected": int(((verdict == "reject") & ~defective).sum()),
        "defects_kept": float((~flagged[defective]).mean()),
        "defects_rejected": float((verdict[defective] == "reject").mean()),
        "right_reason": float(np.mean([right[i].any() for i in np.flatnonzero(defective)])),
        "lowest_recall": min(v for v in recalls.values() if v is not None),
        "recall": recalls,
        "doubted_right": float(y[shown_all & (conf_all == train.DOUBTED_CONFIDENCE)].mean())
        if (shown_all & (conf_all == train.DOUBTED_CONFIDENCE)).any() else None,
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
    ap.add_argument("--fusion", choices=["pair", "stacked"], default="pair")
    ap.add_argument("--doubt", choices=train.DOUBT_RULES, default="band")
    args = ap.parse_args(argv)
    if args.write_card:
        return write_card(args)
    samples = load_samples(args.dataset)
    saved = np.load(args.outputs)
    rows = saved["oof_rows"]
    samples = [s for s, m in zip(samples, rows) if m]
    p = saved["p_oof"][rows]
    sev = train.measured_severities(samples)
    y = targets_of(samples)
    collection = np.array([s["source"].split("__")[0] for s in samples], dtype=object)
    fold = train.collection_folds(collection, np.ones(len(samples), bool), train.FUSION_FOLDS)
    results = {}
    lines = ["| fusion | doubt rule | hard-good cost | accuracy | false flags | hard-good flagged | good rejected "
             "| defects kept | right reason | lowest recall | doubted right |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    # Every rule at cost 1, then the default rule with false flags on hard goods counting more
    # when show_at and the band are chosen.
    rules = [(form, doubt, 1.0) for form in ("pair", "stacked") for doubt in train.DOUBT_RULES]
    rules += [(train.DEFAULT_FUSION, train.DEFAULT_DOUBT, c) for c in (2.0, 4.0)]
    for form, doubt, cost in rules:
        m = cross_fitted(p, sev, y, samples, fold, form, doubt, cost)
        results[f"{form}/{doubt}" + (f"/cost {cost:g}" if cost != 1.0 else "")] = m
        lines.append(f"| {form} | {doubt} | {cost:g} | {m['accuracy']:.3f} | {100 * m['false_flags']:.1f} % "
                     f"| {100 * m['hard_good_flagged']:.1f} % | {m['good_rejected']} "
                     f"| {100 * m['defects_kept']:.1f} % | {m['right_reason']:.3f} "
                     f"| {m['lowest_recall']:.3f} | "
                     + (f"{m['doubted_right']:.2f}" if m['doubted_right'] is not None else "–") + " |")
        print(lines[-1], flush=True)
    table = (f"Fusion rules cross-fitted over {train.FUSION_FOLDS} collection folds of the train+val "
             f"out-of-fold outputs ({len(samples)} samples; test never read):\n\n" + "\n".join(lines) + "\n")
    if args.out:
        args.out.write_text(table)
    return results


if __name__ == "__main__":
    main()
