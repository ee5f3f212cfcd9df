//! Builds the learned model's dataset: every variant of every source photo (see
//! `cull_tests::training`) is saved as a JPEG, decoded and measured by Cull's own engine, and
//! turned into the exact model inputs a scan would make.
//!
//! `cargo run --release -p cull-tests --example make_training_set -- SOURCES.tsv OUT_DIR [ROUNDS]`
//!
//! Each round makes every recipe once more per photo, with fresh random crops and strengths
//! (default 2 rounds).
//!
//! SOURCES.tsv (from `models/training/sources.py`): id, path, collection, split per line.
//! OUT_DIR gets `meta.json`, `samples.jsonl`, `views.u8` (N × views × side × side × 3) and
//! `features.f32` (N × features, little-endian).
//!
//! Each photo's examples are first written to shards under `OUT_DIR/shards/` (one per block of
//! recipes), named after everything that decides them (photo, split, rounds, recipes, file size
//! and [`SHARD_VERSION`]), and only then joined: an interrupted run resumes where it stopped, and
//! adding photos or a block of recipes builds only what is new. Bump `SHARD_VERSION` when the variants or the
//! measurements change.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use cull_core::judge::{fuse, measure, measured_severities};
use cull_core::library::FileKind;
use cull_core::media::decode_preview;
use cull_core::model::{ModelInput, FEATURE_NAMES, VIEW_COUNT, VIEW_SIDE};
use cull_tests::training::{make_variant, recipes, BOKEH_RECIPES, HELDOUT_RECIPES, SHAKE_RECIPES};
use rayon::prelude::*;
use serde_json::json;

struct Job {
    source: String,
    path: PathBuf,
    split: String,
    recipe: &'static str,
    seed: u64,
}

/// Bumped whenever a variant recipe, the decoder or the measurements change.
const SHARD_VERSION: &str = "shard-1";

/// Where the seeds of the later blocks start, far past any block before them.
const SHAKE_SEEDS: usize = 10_000;
const HELDOUT_SEEDS: usize = 20_000;
const BOKEH_SEEDS: usize = 30_000;

struct Example {
    record: serde_json::Value,
    input: ModelInput,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(list), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: make_training_set SOURCES.tsv OUT_DIR [ROUNDS]".into());
    };
    let rounds: usize = args.next().map_or(Ok(2), |r| r.parse())?;
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let scratch = tempfile::tempdir_in(&out)?;

    // Each photo's jobs come in blocks, one shard per block: adding a block of recipes later
    // builds only that block, and the older blocks' shards (and seeds) stay as they were.
    let mut groups: Vec<Vec<Job>> = Vec::new();
    for (line_no, line) in std::fs::read_to_string(&list)?.lines().enumerate() {
        let cols: Vec<&str> = line.split('\t').collect();
        let [source, path, _collection, split] = cols[..] else {
            return Err(format!("{list}:{}: expected 4 tab-separated columns", line_no + 1).into());
        };
        let mut blocks: Vec<(Vec<&'static str>, usize)> = vec![
            (recipes(), 0),
            (SHAKE_RECIPES.to_vec(), SHAKE_SEEDS),
            (BOKEH_RECIPES.to_vec(), BOKEH_SEEDS),
        ];
        if split == "test" {
            blocks.push((HELDOUT_RECIPES.to_vec(), HELDOUT_SEEDS));
        }
        for (per_round, first_seed) in blocks {
            let all_rounds = per_round.iter().cycle().take(rounds * per_round.len());
            groups.push(
                all_rounds
                    .enumerate()
                    .map(|(k, &recipe)| Job {
                        source: source.to_string(),
                        path: PathBuf::from(path),
                        split: split.to_string(),
                        recipe,
                        seed: seed_for(source, first_seed + k),
                    })
                    .collect(),
            );
        }
    }

    let shards = out.join("shards");
    std::fs::create_dir_all(&shards)?;
    let total: usize = groups.iter().map(Vec::len).sum();
    let done = AtomicUsize::new(0);
    let mut samples = BufWriter::new(std::fs::File::create(out.join("samples.jsonl"))?);
    let mut views = BufWriter::new(std::fs::File::create(out.join("views.u8"))?);
    let mut features = BufWriter::new(std::fs::File::create(out.join("features.f32"))?);
    let mut count = 0usize;
    let mut built = 0usize;
    for group in &groups {
        let shard = shards.join(shard_name(group, rounds)?);
        if !shard.join("done").is_file() {
            build_shard(group, &shard, scratch.path(), &done, total)?;
            built += 1;
        } else {
            done.fetch_add(group.len(), Ordering::Relaxed);
        }
        let records = std::fs::read_to_string(shard.join("samples.jsonl"))?;
        for line in records.lines() {
            let mut record: serde_json::Value = serde_json::from_str(line)?;
            record["index"] = json!(count);
            writeln!(samples, "{record}")?;
            count += 1;
        }
        views.write_all(&std::fs::read(shard.join("views.u8"))?)?;
        features.write_all(&std::fs::read(shard.join("features.f32"))?)?;
    }
    samples.flush()?;
    views.flush()?;
    features.flush()?;
    eprintln!(
        "[make_training_set] {built} of {} shards built, the rest read as they were",
        groups.len()
    );
    let meta = json!({
        "view_side": VIEW_SIDE,
        "view_count": VIEW_COUNT,
        "features": FEATURE_NAMES,
        "count": count,
    });
    std::fs::write(out.join("meta.json"), serde_json::to_string_pretty(&meta)?)?;
    eprintln!(
        "[make_training_set] wrote {count} examples to {}",
        out.display()
    );
    Ok(())
}

/// Everything that decides a photo's examples, hashed into its shard's folder name.
fn shard_name(group: &[Job], rounds: usize) -> std::io::Result<String> {
    let job = &group[0];
    let size = std::fs::metadata(&job.path)?.len();
    let recipes: Vec<&str> = group.iter().map(|j| j.recipe).collect();
    let key = format!(
        "{SHARD_VERSION}|{}|{}|{rounds}|{size}|{}",
        job.source,
        job.split,
        recipes.join(",")
    );
    Ok(format!("{}_{:016x}", job.source, seed_for(&key, 0)))
}

/// Builds one photo's examples in parallel and writes them as a shard; the `done` file is
/// written last, so a shard cut short by a kill is built again.
fn build_shard(
    group: &[Job],
    shard: &Path,
    scratch: &Path,
    done: &AtomicUsize,
    total: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    // Decoded once per shard, not once per variant: a 6872 px scan took seconds per decode.
    let source = image::open(&group[0].path)
        .map_err(|e| format!("{}: {e}", group[0].path.display()))?
        .to_rgb8();
    let examples: Vec<Result<Example, String>> = group
        .par_iter()
        .map(|job| {
            let result = build(job, &source, scratch)
                .map_err(|e| format!("{} {}: {e}", job.source, job.recipe));
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(100) || n == total {
                eprintln!("[make_training_set] {n}/{total}");
            }
            result
        })
        .collect();
    std::fs::create_dir_all(shard)?;
    let mut samples = BufWriter::new(std::fs::File::create(shard.join("samples.jsonl"))?);
    let mut views = BufWriter::new(std::fs::File::create(shard.join("views.u8"))?);
    let mut features = BufWriter::new(std::fs::File::create(shard.join("features.f32"))?);
    for example in examples {
        let example = match example {
            Ok(e) => e,
            Err(e) => {
                eprintln!("[make_training_set] skipped: {e}");
                continue;
            }
        };
        writeln!(samples, "{}", example.record)?;
        views.write_all(&example.input.views)?;
        for f in example.input.features {
            features.write_all(&f.to_le_bytes())?;
        }
    }
    samples.flush()?;
    views.flush()?;
    features.flush()?;
    std::fs::write(shard.join("done"), b"")?;
    Ok(())
}

/// A stable seed per (photo, variant), so a rerun rebuilds the same dataset.
fn seed_for(source: &str, k: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source.bytes().chain((k as u64).to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn build(
    job: &Job,
    source: &image::RgbImage,
    scratch: &Path,
) -> Result<Example, Box<dyn std::error::Error + Send + Sync>> {
    let variant = make_variant(source, job.recipe, job.seed)?;
    // Through a real JPEG file and Cull's own decoder, exactly as a scan would see it.
    let file = scratch.join(format!("{}_{:016x}.jpg", job.source, job.seed));
    cull_tests::fixtures::write_jpeg(&file, &variant.image, variant.quality)?;
    let preview = decode_preview(&file, FileKind::Jpeg)?;
    let measurements = measure(&preview);
    let input = ModelInput::from_preview(&preview, &measurements);
    // The measured verdict, so a fusion stacked on the measurements and the network can be
    // fitted and checked on exactly what a scan without the model would say.
    let measured = fuse(&measurements);
    let severities: serde_json::Map<String, serde_json::Value> = measured
        .reasons
        .iter()
        .map(|r| (r.code.as_str().to_string(), json!(r.severity)))
        .collect();
    // Every rule's severity, shown or not: what the learned fusion reads at scan time.
    let candidates: serde_json::Map<String, serde_json::Value> = measured_severities(&measurements)
        .into_iter()
        .map(|(code, severity)| (code.as_str().to_string(), json!(severity)))
        .collect();
    std::fs::remove_file(&file)?;
    let record = json!({
        "source": job.source,
        "split": job.split,
        "transform": variant.transform,
        "params": variant.params,
        "labels": variant.labels,
        "hard_good": variant.hard_good,
        "heldout": variant.heldout,
        "quality": variant.quality,
        "width": variant.image.width(),
        "height": variant.image.height(),
        "measured": {"verdict": measured.verdict, "severities": severities, "candidates": candidates},
    });
    Ok(Example { record, input })
}
