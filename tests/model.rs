//! The learned model as shipped: the ONNX file and its card load through ONNX Runtime, it
//! judges real photos on the CPU, a device that is not there falls back to the CPU and says so
//! once, and `cull scan --json` names the model on every line.

use std::path::Path;

use cull_core::judge::measure;
use cull_core::library::FileKind;
use cull_core::media::decode_preview;
use cull_core::model::{Device, Model, ModelInput, OnnxModel};
use cull_tests::{cull, fixture_photos_dir, scan_json};

fn shipped_model(device: Device) -> OnnxModel {
    OnnxModel::find(&[], device).unwrap_or_else(|e| {
        panic!(
            "{e} (the model lives in models/; ONNX Runtime comes from src-tauri/scripts/setup.sh)"
        )
    })
}

fn input_for(name: &str) -> ModelInput {
    let path = fixture_photos_dir().join(name);
    let preview = decode_preview(&path, FileKind::Jpeg).expect("decode");
    ModelInput::from_preview(&preview, &measure(&preview))
}

#[test]
fn shipped_model_judges_a_batch_on_the_cpu_with_unit_embeddings() {
    let model = shipped_model(Device::Cpu);
    let batch = [
        input_for("chelsea_cat.jpg"),
        input_for("clock_motion_blur.jpg"),
    ];
    let outputs = model.infer(&batch).expect("inference");
    assert_eq!(outputs.len(), 2);
    for out in &outputs {
        assert!(out.probabilities.iter().all(|p| (0.0..=1.0).contains(p)));
        let norm: f32 = out.embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "embedding norm {norm}");
        assert_eq!(out.embedding.len(), model.card().embedding_size);
    }
    // The same photo alone and in a batch gets the same answer.
    let alone = model.infer(&batch[..1]).expect("inference");
    for (a, b) in alone[0].probabilities.iter().zip(&outputs[0].probabilities) {
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
    }
    assert_eq!(model.runtime_note().as_deref(), Some("running on the CPU"));
}

#[test]
fn unavailable_accelerators_fall_back_to_the_cpu_and_say_why() {
    for device in [Device::Cuda, Device::DirectMl, Device::CoreMl] {
        let model = shipped_model(device);
        let out = model
            .infer(&[input_for("coffee_cup.jpg")])
            .expect("runs anyway");
        assert_eq!(out.len(), 1);
        let note = model.runtime_note().expect("a note once loaded");
        assert!(
            note.contains("not usable here") && note.ends_with("running on the CPU instead"),
            "{device}: {note}"
        );
    }
    // Auto quietly takes the CPU when there is no accelerator.
    let auto = shipped_model(Device::Auto);
    auto.infer(&[input_for("coffee_cup.jpg")]).expect("runs");
    assert_eq!(auto.runtime_note().as_deref(), Some("running on the CPU"));
}

fn copy_photos(to: &Path, names: &[&str]) {
    std::fs::create_dir_all(to).expect("dir");
    for name in names {
        std::fs::copy(fixture_photos_dir().join(name), to.join(name)).expect("copy");
    }
}

#[test]
fn scan_json_names_the_model_on_every_line_and_reports_a_device_fallback_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    copy_photos(
        &library,
        &["chelsea_cat.jpg", "coffee_cup.jpg", "rocket_launch.jpg"],
    );
    std::fs::write(library.join("empty.jpg"), b"").expect("write");

    let run = scan_json(&dir.path().join("db"), dir.path(), &[&library]);
    assert!(run.output.status.success(), "{}", run.stderr);
    for line in run.lines.iter().filter(|l| l.get("error").is_none()) {
        assert_eq!(line["model"]["name"], "cull-judge", "{line}");
        assert_eq!(line["model"]["version"], "3", "{line}");
        // The card's reject bar goes with every verdict, so a re-decision uses the same one.
        assert!(
            line["model"]["reject_at"]
                .as_f64()
                .is_some_and(|b| b >= 0.9),
            "{line}"
        );
    }
    assert!(
        run.stderr.contains("cull-judge 3: running on the CPU"),
        "{}",
        run.stderr
    );

    let output = cull(&dir.path().join("db2"), dir.path())
        .args(["--device", "cuda", "scan", "--json"])
        .arg(&library)
        .output()
        .expect("cull runs");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("CUDA is not usable here").count(),
        1,
        "said exactly once: {stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout
        .lines()
        .filter(|l| !l.contains("\"error\""))
        .all(|l| l.contains("\"model\":{\"name\":\"cull-judge\"")));
}

#[test]
fn no_model_flag_judges_from_measurements_alone_and_says_model_null() {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    copy_photos(&library, &["coffee_cup.jpg"]);
    let output = cull(&dir.path().join("db"), dir.path())
        .args(["--no-model", "scan", "--json"])
        .arg(&library)
        .output()
        .expect("cull runs");
    assert!(output.status.success());
    let line: serde_json::Value =
        serde_json::from_slice(output.stdout.split(|b| *b == b'\n').next().expect("a line"))
            .expect("json");
    assert!(line["model"].is_null(), "{line}");
    assert!(line["verdict"].is_string());
}
