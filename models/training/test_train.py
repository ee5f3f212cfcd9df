"""Unit tests for train.py, on a tiny synthetic dataset (fake_dataset.py).

Run:  models/training/.venv/bin/python -m unittest discover -s models/training -p 'test_*.py'
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import backbone  # noqa: E402
import fake_dataset  # noqa: E402
import train  # noqa: E402

_WEIGHTS = None


def weights():
    global _WEIGHTS
    if _WEIGHTS is None:
        _WEIGHTS = backbone.load_torch_checkpoint(backbone.fetch_weights())
    return _WEIGHTS


class DescriptorTest(unittest.TestCase):
    def test_descriptor_is_pool_then_mean_and_std_of_each_tap(self):
        # A second model exposing the raw tap tensors gives the reference.
        taps: dict[int, str] = {}
        nodes, inits = backbone.mobilenet_v2_graph(weights(), "views", "pooled", block_outputs=taps)
        outputs = [onnx.helper.make_tensor_value_info("pooled", onnx.TensorProto.FLOAT, None)]
        outputs += [onnx.helper.make_tensor_value_info(taps[b], onnx.TensorProto.FLOAT, None)
                    for b in train.TAP_BLOCKS]
        graph = onnx.helper.make_graph(
            nodes, "taps",
            [onnx.helper.make_tensor_value_info("views", onnx.TensorProto.FLOAT, ["M", 3, 160, 160])],
            outputs, initializer=inits)
        ref_model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)],
                                           ir_version=8)
        x = np.random.default_rng(1).random((3, 3, 160, 160), dtype=np.float32)
        ref = train.ort_session(ref_model).run(None, {"views": x})
        (desc,) = train.ort_session(train.build_descriptor_model(weights())).run(["descriptor"], {"views": x})

        self.assertEqual(desc.shape, (3, train.PER_VIEW_DIM))
        np.testing.assert_allclose(desc[:, :1280], ref[0], atol=1e-5)
        col = 1280
        for b, act in zip(train.TAP_BLOCKS, ref[1:]):
            c = train.TAP_CHANNELS[b]
            self.assertEqual(act.shape[1], c, f"features.{b} channel count")
            np.testing.assert_allclose(desc[:, col:col + c], act.mean(axis=(2, 3)), atol=1e-4)
            np.testing.assert_allclose(desc[:, col + c:col + 2 * c], act.std(axis=(2, 3)), atol=1e-4)
            col += 2 * c
        self.assertEqual(col, train.PER_VIEW_DIM)


class HeadTest(unittest.TestCase):
    def test_gradients_match_finite_differences(self):
        rng = np.random.default_rng(0)
        x = rng.standard_normal((6, 5)).astype(np.float32)
        y = (rng.random((6, 9)) < 0.4).astype(np.float32)
        w = rng.uniform(0.5, 2.0, (6, 9)).astype(np.float32)
        head = train.init_head(5, np.full(9, 0.3), rng)
        head.w2 = rng.standard_normal(head.w2.shape).astype(np.float32)  # make every path matter
        params = [p.astype(np.float64) for p in head.params()]
        h64 = train.Head(*params)
        _, grads = train.forward_backward(h64, x.astype(np.float64), y, w, rng=None)
        eps = 1e-6
        for p, g in zip(h64.params(), grads):
            for idx in list(np.ndindex(p.shape))[:12]:
                old = p[idx]
                p[idx] = old + eps
                up, _ = train.weighted_bce(h64.logits(x.astype(np.float64)), y, w)
                p[idx] = old - eps
                down, _ = train.weighted_bce(h64.logits(x.astype(np.float64)), y, w)
                p[idx] = old
                self.assertAlmostEqual((up - down) / (2 * eps), g[idx], delta=1e-5)

    def test_merged_heads_give_exactly_the_mean_of_their_logits(self):
        rng = np.random.default_rng(1)
        x = rng.standard_normal((7, 5)).astype(np.float32)
        heads = []
        for _ in range(3):
            h = train.init_head(5, np.full(9, 0.3), rng)
            h.w2 = rng.standard_normal(h.w2.shape).astype(np.float32)
            h.b1 = rng.standard_normal(h.b1.shape).astype(np.float32)
            heads.append(h)
        merged = train.merge_heads(heads)
        expected = np.mean([h.logits(x) for h in heads], axis=0)
        np.testing.assert_allclose(merged.logits(x), expected, rtol=1e-5, atol=1e-5)
        self.assertEqual(merged.w1.shape, (5, 3 * train.HIDDEN))
        self.assertIs(train.merge_heads(heads[:1]), heads[0])

    def test_class_weights_balance_each_output(self):
        y = np.array([[1, 0], [0, 0], [0, 0], [0, 1]], np.float32)
        w_pos, w_neg = train.class_weights(y)
        pos, neg = y.sum(0), (1 - y).sum(0)
        np.testing.assert_allclose(w_pos * pos, w_neg * neg)


class ThresholdTest(unittest.TestCase):
    def test_separable_scores_put_the_threshold_between_the_classes(self):
        scores = np.array([0.9, 0.8, 0.7, 0.2, 0.1])
        truth = np.array([1, 1, 1, 0, 0])
        thr, st = train.choose_threshold(scores, truth)
        self.assertTrue(0.2 < thr < 0.7)
        self.assertEqual(st["val_recall"], 1.0)

    def test_recall_floor_beats_f1(self):
        # 30 positives; one scores below a negative. Max F1 alone would drop
        # it (recall 29/30 = 0.967 < 0.97); the floor keeps it.
        scores = np.concatenate([np.linspace(0.6, 0.99, 29), [0.05], [0.3, 0.02, 0.01]])
        truth = np.concatenate([np.ones(30), np.zeros(3)])
        thr, st = train.choose_threshold(scores, truth)
        self.assertTrue(0.02 < thr <= 0.05)
        self.assertEqual(st["val_recall"], 1.0)

    def test_matches_a_brute_force_search_with_ties(self):
        rng = np.random.default_rng(5)
        for trial in range(20):
            scores = np.round(rng.random(60), 1)  # many ties
            truth = (rng.random(60) < 0.3 + 0.5 * scores).astype(int)
            if not truth.any():
                continue
            floor = [0.0, 0.9][trial % 2]
            thr, st = train.choose_threshold(scores, truth, floor)
            best = None
            for level in sorted(set(scores), reverse=True):
                flagged = scores >= level
                tp = (flagged & (truth == 1)).sum()
                fp = (flagged & (truth == 0)).sum()
                if tp / truth.sum() < floor:
                    continue
                f1 = 2 * tp / (2 * tp + fp + truth.sum() - tp)
                if best is None or f1 > best[0]:
                    best = (f1, level)
            self.assertAlmostEqual(st["val_f1"], best[0])
            # The threshold flags exactly the samples at or above the best level.
            np.testing.assert_array_equal(scores >= thr, scores >= best[1])

    def test_costlier_false_flags_on_hard_goods_raise_the_threshold(self):
        # A hard good at 0.6 among positives at 0.7 and 0.5: counted once, flagging down to 0.5
        # has the best F1; counted four times, the threshold moves above it.
        scores = np.array([0.7, 0.6, 0.5, 0.1])
        truth = np.array([1, 0, 1, 0])
        plain, _ = train.choose_threshold(scores, truth)
        costly, _ = train.choose_threshold(scores, truth, fp_weight=np.array([1.0, 4.0, 1.0, 1.0]))
        self.assertLess(plain, 0.5)
        self.assertGreater(costly, 0.6)
        cost = train.false_flag_cost([{"labels": [], "hard_good": True}, {"labels": []},
                                      {"labels": ["blur"], "hard_good": False}], 2.0)
        np.testing.assert_array_equal(cost, [2.0, 1.0, 1.0])

    def test_no_positives_defaults_to_a_half(self):
        thr, _ = train.choose_threshold(np.array([0.1, 0.9]), np.array([0, 0]))
        self.assertEqual(thr, 0.5)

    def test_predicted_class_is_the_reason_furthest_above_its_threshold(self):
        thr = np.full(8, 0.5, np.float32)
        thr[1] = 0.1
        probs = np.zeros((2, 9), np.float32)
        probs[0, [0, 1]] = [0.9, 0.3]  # 1.8x vs 3x
        self.assertEqual(train.predicted_class(probs, thr), ["motion_blur", "clean"])


class FusionTest(unittest.TestCase):
    def test_logistic_fit_recovers_known_weights(self):
        rng = np.random.default_rng(3)
        x = rng.normal(size=(4000, 2))
        z = -0.5 + 1.5 * x[:, 0] + 3.0 * x[:, 1]
        y = (rng.random(4000) < 1 / (1 + np.exp(-z))).astype(float)
        w = train.fit_logistic(x, y, l2=0.0)
        np.testing.assert_allclose(w, [-0.5, 1.5, 3.0], atol=0.25)

    def test_fusion_lets_the_better_input_win_and_is_calibrated(self):
        # The measurement is noise, the network is informative: the fit trusts the network.
        rng = np.random.default_rng(4)
        n = 3000
        y = rng.random((n, len(train.REASONS))) < 0.3
        p_net = np.where(y, rng.uniform(0.6, 1.0, y.shape), rng.uniform(0.0, 0.4, y.shape))
        sev = rng.uniform(0, 1, y.shape)
        fusion, _ = train.fit_fusion(p_net, sev, y.astype(np.float32), 0.0)
        for code in train.REASONS:
            self.assertGreater(abs(fusion[code]["model_logit"]), 5 * abs(fusion[code]["measured_severity"]))
            self.assertGreaterEqual(fusion[code]["show_at"], train.MIN_SHOW_AT)
        fused = train.fused_probabilities(fusion, p_net, sev)
        # Calibrated on its own data: mean probability matches the positive rate.
        self.assertAlmostEqual(float(fused.mean()), float(y.mean()), delta=0.01)

    def test_stacked_fusion_reads_other_outputs_and_measurements(self):
        # Flare is measured on every bright frame, but it is real only where the network's "good"
        # output is low: the pair form cannot see that, the stacked form learns it.
        rng = np.random.default_rng(5)
        n = 4000
        k = train.REASONS.index("lens_flare")
        good = rng.uniform(0.01, 0.99, n)
        y = np.zeros((n, len(train.REASONS)), np.float32)
        y[:, k] = rng.random(n) < 1 - good
        p_net = rng.uniform(0.3, 0.7, (n, len(train.OUTPUTS)))
        p_net[:, -1] = good
        sev = rng.uniform(0, 1, (n, len(train.REASONS)))
        stacked, _ = train.fit_fusion(p_net, sev, y, 0.0, form="stacked")
        pair, _ = train.fit_fusion(p_net, sev, y, 0.0, form="pair")
        self.assertLess(stacked["lens_flare"]["network"]["good"], -0.5)

        def log_loss(fusion):
            p = np.clip(train.fused_probabilities(fusion, p_net, sev)[:, k], 1e-6, 1 - 1e-6)
            return float(-np.mean(y[:, k] * np.log(p) + (1 - y[:, k]) * np.log(1 - p)))
        self.assertLess(log_loss(stacked), log_loss(pair) - 0.05)

    def test_the_review_band_reaches_down_only_while_it_stays_right_often_enough(self):
        # Under show_at 0.5: rows at 0.4 are defective half the time, rows at 0.2 never.
        fused = np.array([0.9] * 4 + [0.4] * 10 + [0.2] * 30)
        truth = np.array([1] * 4 + [1, 0] * 5 + [0] * 30)
        r = train.choose_review_at(fused, truth, 0.5)
        self.assertTrue(0.2 < r < 0.4, r)
        # A reason whose band would be wrong too often gets none.
        self.assertIsNone(train.choose_review_at(fused, np.array([1] * 4 + [0] * 40), 0.5))
        # In the engine's rule a band hit is a doubted reason: review, never reject.
        k = train.REASONS.index("blur")
        show_at = np.full(len(train.REASONS), 0.5)
        review_at = np.full(len(train.REASONS), np.inf)
        review_at[k] = r
        no_floor = np.full(len(train.REASONS), np.inf)
        f = np.zeros((3, len(train.REASONS)))
        sev = np.zeros_like(f)
        f[0, k], f[1, k], f[2, k] = 0.4, 0.2, 0.99
        sev[:, k] = [0.1, 0.9, 0.9]
        self.assertEqual(train.verdicts(f, sev, show_at, 0.9, review_at, no_floor), ["review", "keep", "reject"])

    def test_the_learned_floor_reaches_down_only_as_far_as_severe_measurements_are_right(self):
        # Rows the fusion drops (fused 0.1, no band): measured 0.9-1.0 they are defective 3 in 5,
        # measured 0.5 never. The floor lands between, so 0.5 stays dropped.
        fused = np.full(20, 0.1)
        sev = np.array([1.0] * 5 + [0.9] * 5 + [0.5] * 10)
        truth = np.array([1, 1, 1, 0, 0] * 2 + [0] * 10)
        floor = train.choose_doubt_severity(fused, sev, truth, 0.5, None)
        self.assertTrue(0.5 < floor <= 0.9, floor)
        # Rows already in the band are not the floor's business: with them inside the band, the
        # severe rows left are all false, so no floor.
        fused_band = np.where(truth > 0, 0.3, 0.1)
        self.assertIsNone(train.choose_doubt_severity(fused_band, sev, truth, 0.5, 0.25))
        # Where the network is right to overrule (severe measurements mostly false), none either.
        self.assertIsNone(train.choose_doubt_severity(fused, sev, np.array([1] + [0] * 19), 0.5, None))

    def test_an_unsure_reason_never_rejects_and_a_sure_severe_one_does(self):
        k = train.REASONS.index("blur")
        show_at = np.full(len(train.REASONS), 0.5)
        fused = np.zeros((3, len(train.REASONS)))
        sev = np.zeros_like(fused)
        fused[0, k], sev[0, k] = 0.79, 1.0   # unsure, severe measurement
        fused[1, k], sev[1, k] = 0.95, 0.9   # sure and severe
        fused[2, k], sev[2, k] = 0.3, 0.55   # overruled: the measurement is not severe
        self.assertEqual(train.verdicts(fused, sev, show_at), ["review", "reject", "keep"])

    def test_the_reject_bar_is_the_lowest_that_rejects_no_good_val_sample(self):
        k = train.REASONS.index("overexposed")
        show_at = np.full(len(train.REASONS), 0.5)
        fused = np.zeros((3, len(train.REASONS)))
        sev = np.zeros_like(fused)
        fused[0, k], sev[0, k] = 0.93, 0.9   # a good sample the fusion is fairly sure of
        fused[1, k], sev[1, k] = 0.99, 0.9   # a defect it is sure of
        samples = [{"labels": []}, {"labels": ["overexposed"]}, {"labels": []}]
        bar = train.choose_reject_at(fused, sev, show_at, samples)
        self.assertAlmostEqual(bar, 0.935)
        self.assertEqual(train.verdicts(fused, sev, show_at, bar), ["review", "reject", "keep"])
        self.assertEqual(train.verdicts(fused, sev, show_at), ["reject", "reject", "keep"])

    def test_a_severe_measurement_the_fusion_doubts_is_kept_for_review_only(self):
        k = train.REASONS.index("underexposed")
        show_at = np.full(len(train.REASONS), 0.5)
        fused = np.zeros((2, len(train.REASONS)))
        sev = np.zeros_like(fused)
        fused[0, k], sev[0, k] = 0.2, 1.0
        fused[1, k], sev[1, k] = 0.001, 0.55  # not severe: the fusion's no stands
        self.assertEqual(train.verdicts(fused, sev, show_at), ["review", "keep"])
        confidence, shown = train.engine_reasons(fused, sev, show_at)
        self.assertTrue(shown[0, k])
        self.assertAlmostEqual(float(confidence[0, k]), train.DOUBTED_CONFIDENCE)
        scores = train.engine_scores(fused, sev, show_at)
        self.assertGreaterEqual(scores[0, k], show_at[k])

    def test_reliability_bins_count_every_shown_reason_once(self):
        fused = np.array([[0.5, 0.95, 0.2] + [0.0] * 5])
        y = np.array([[1, 0, 1] + [0] * 6], np.float32)
        rows = train.reliability(fused, y, fused >= 0.45)
        self.assertEqual(sum(r["n"] for r in rows), 2)
        right = {r["bin"]: r["right"] for r in rows if r["n"]}
        self.assertEqual(right, {"0.45–0.60": 1.0, "0.95–1.00": 0.0})


class EndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="cull-train-test-"))
        cls.dataset = fake_dataset.write_dataset(
            cls.tmp / "dataset", n_crops=1, seed=3,
            transforms=["original", "defocus", "noise", "low_key", "underexposed+noise"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_train(self, name: str, *extra: str) -> tuple[dict, Path]:
        out = self.tmp / name
        report = train.main(["--dataset", str(self.dataset), "--out-dir", str(out),
                             "--work-dir", str(self.tmp / "work"), "--report", str(out / "report.md"),
                             "--epochs", "4", "--seed", "7", "--no-quantise", *extra])
        return report, out

    def test_excluded_transforms_are_not_trained_on_but_still_judged(self):
        full, _ = self.run_train("all")
        part, out = self.run_train("no_defocus", "--exclude-transforms", "defocus")
        defocus = sum(1 for s in train.load_dataset(self.dataset).samples
                      if s["split"] == "train" and s["transform"] == "defocus")
        self.assertGreater(defocus, 0)
        # Four orientations of every training sample, less those of the left-out transform.
        self.assertEqual(full["training"]["rows"] - part["training"]["rows"], 4 * defocus)
        card = json.loads((out / "cull-judge-3.json").read_text())
        self.assertEqual(card["training"]["transforms_not_trained_on"], ["defocus"])
        self.assertEqual(part["test"]["n"], full["test"]["n"])

    def test_evaluate_measures_the_shipped_model_as_train_reported_it(self):
        import evaluate
        report, out = self.run_train("e")
        parts = evaluate.main(["--dataset", str(self.dataset), "--model", str(out / "cull-judge-3.onnx"),
                               "--out", str(out / "evaluation.md")])
        # The same model, card and rule must give the numbers train.py reported.
        self.assertEqual(parts["test"]["n"], report["test"]["n"])
        self.assertAlmostEqual(parts["test"]["accuracy"], report["test"]["accuracy"], places=6)
        self.assertEqual(parts["test"]["verdicts"], report["test"]["verdicts"])
        self.assertIn("| test | ", (out / "evaluation.md").read_text())

    def test_fusion_lab_compares_every_rule_without_reading_test(self):
        import fusion_lab
        self.run_train("lab")
        results = fusion_lab.main(["--dataset", str(self.dataset),
                                   "--outputs", str(self.tmp / "work" / "outputs.npz")])
        self.assertEqual(len(results), 2 * len(train.DOUBT_RULES) + 2)
        for m in results.values():
            self.assertTrue(0.0 <= m["accuracy"] <= 1.0 and 0.0 <= m["false_flags"] <= 1.0)
        saved = np.load(self.tmp / "work" / "outputs.npz")
        split = [json.loads(x)["split"] for x in (self.dataset / "samples.jsonl").read_text().splitlines()]
        self.assertFalse(any(s == "test" for s, m in zip(split, saved["oof_rows"]) if m))

    def test_export_contract_card_and_determinism(self):
        report, out = self.run_train("a")
        model = onnx.load(out / "cull-judge-3.onnx")
        self.assertEqual(model.ir_version, 8)
        self.assertEqual([(o.domain, o.version) for o in model.opset_import], [("", 17)])

        def dims(vi):
            return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]

        ins = {i.name: dims(i) for i in model.graph.input}
        outs = {o.name: dims(o) for o in model.graph.output}
        self.assertEqual(ins, {"views": ["N", 2, 3, 160, 160], "features": ["N", 27]})
        self.assertEqual(outs, {"probabilities": ["N", 9], "embedding": ["N", 1280]})

        # Dynamic batch: 1 and 3 photos give the same rows.
        ds = train.load_dataset(self.dataset)
        session = train.ort_session(out / "cull-judge-3.onnx")
        p3, e3 = train.run_model(session, ds.views[:3], ds.features[:3], batch=3)
        p1, e1 = train.run_model(session, ds.views[:1], ds.features[:1], batch=1)
        np.testing.assert_allclose(p1, p3[:1], atol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(e3, axis=1), 1.0, atol=1e-5)
        self.assertTrue(((p3 >= 0) & (p3 <= 1)).all())
        self.assertLess(report["export"]["max_abs_diff"], 1e-4)

        card = json.loads((out / "cull-judge-3.json").read_text())
        self.assertEqual(card["outputs"], train.OUTPUTS)
        self.assertEqual(card["features"], fake_dataset.FEATURE_NAMES)
        self.assertEqual(sorted(card["thresholds"]), sorted(train.REASONS))
        self.assertEqual(sorted(card["fusion"]["reasons"]), sorted(train.REASONS))
        self.assertIn(card["fusion"]["reject_at"], train.REJECT_AT_CANDIDATES)
        for f in card["fusion"]["reasons"].values():
            # The pair form with the learned band (the defaults): no hand floor.
            self.assertEqual(sorted(f), ["bias", "doubt_severity", "measured_severity", "model_logit",
                                         "review_at", "show_at"])
            self.assertIsNone(f["doubt_severity"])
            self.assertTrue(f["review_at"] is None or f["review_at"] < f["show_at"])
            self.assertGreaterEqual(f["show_at"], train.MIN_SHOW_AT)
        self.assertEqual((card["view_side"], card["view_count"], card["embedding_size"]), (160, 2, 1280))
        self.assertEqual(card["training"]["seed"], 7)
        self.assertTrue((out / "report.md").read_text().startswith("# cull-judge-3"))
        self.assertGreater(report["heldout"]["n"], 0)

        # Same seed, same data -> byte-identical model and card.
        _, out_b = self.run_train("b")
        self.assertEqual((out / "cull-judge-3.onnx").read_bytes(), (out_b / "cull-judge-3.onnx").read_bytes())
        self.assertEqual(card["thresholds"], json.loads((out_b / "cull-judge-3.json").read_text())["thresholds"])

    def test_dataset_with_a_source_in_two_splits_is_refused(self):
        bad = self.tmp / "bad"
        shutil.copytree(self.dataset, bad)
        rows = [json.loads(line) for line in (bad / "samples.jsonl").read_text().splitlines()]
        rows[1]["split"] = "val" if rows[0]["split"] != "val" else "train"
        (bad / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        with self.assertRaisesRegex(ValueError, "several splits"):
            train.load_dataset(bad)

    def test_truncated_views_are_refused(self):
        bad = self.tmp / "short"
        shutil.copytree(self.dataset, bad)
        with open(bad / "views.u8", "r+b") as f:
            f.truncate(1000)
        with self.assertRaisesRegex(ValueError, "views.u8"):
            train.load_dataset(bad)


if __name__ == "__main__":
    unittest.main()
