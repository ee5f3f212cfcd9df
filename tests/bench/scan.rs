//! Scan throughput on 24-megapixel JPEGs, against a plain full-size decode of the same files.
//!
//! What it measures, in one run:
//!
//! 1. **Full decode** (the baseline): read every file and decode it at full size with
//!    `image::load_from_memory_with_format(.., ImageFormat::Jpeg)` into RGB8, on a rayon pool of
//!    `CULL_BENCH_THREADS` threads. This is what any tool that looks at every pixel pays.
//! 2. **Cull scan**: `cull_core::scan` over the folder into a fresh SQLite store (walk, group,
//!    decode, judge, store), with the same number of threads. Every photo must be judged and none
//!    may fail.
//! 3. **Cached rescan**: the same scan again on the same store, which should answer every shot
//!    from the cache without decoding.
//! 4. **Cull scan with the learned model** (`models/cull-judge-3.onnx` on the CPU through ONNX
//!    Runtime), into another fresh store. The target is at most 1.2× the time of the scan
//!    without it. The session is built and warmed before the first round, as it is once per app
//!    run.
//!
//! Baseline and scan alternate for `CULL_BENCH_ROUNDS` rounds; the best and the median of each
//! are reported as photos/second, with the ratio scan/decode (above 1 means Cull judges a photo
//! faster than a plain decoder can merely decode it). The target is a ratio of at least 1 on
//! 2 cores. The page cache is warmed first so both start from memory, and peak RSS is printed at
//! the end (Linux).
//!
//! The photos are made from the committed fixtures (`tests/fixtures/photos`), cycled, upscaled to
//! 6000×4000, given mild sensor noise (so files have a realistic size of a few MB) and written at
//! JPEG quality 92. They are cached in `$CARGO_TARGET_DIR/cull-bench-24mp/` (else
//! `target/cull-bench-24mp/` in the repository) and reused by later runs.
//!
//! Run it with
//!
//! ```text
//! cargo bench -p cull-tests --bench scan
//! ```
//!
//! Environment knobs:
//!
//! * `CULL_BENCH_PHOTOS`: number of photos (default 24).
//! * `CULL_BENCH_THREADS`: worker threads for both the decode and the scan (default 2).
//! * `CULL_BENCH_ROUNDS`: alternating decode/scan rounds (default 2).

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cull_core::model::{Device, Model, ModelHandle, OnnxModel};
use cull_core::progress::NoProgress;
use cull_core::{scan, CancelToken, ScanOptions, ScanSummary, Store};
use image::ImageFormat;
use rayon::prelude::*;

const WIDTH: u32 = 6000;
const HEIGHT: u32 = 4000;
const QUALITY: u8 = 92;
const NOISE: f32 = 3.0;

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => panic!("{name} must be a positive integer, got {v:?}"),
        },
        _ => default,
    }
}

/// `$CARGO_TARGET_DIR/cull-bench-24mp`, else `target/cull-bench-24mp` in the repository.
fn cache_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("cull-bench-24mp")
}

fn photo_name(i: usize) -> String {
    format!("bench_{i:04}.jpg")
}

/// Whether `path` is a complete-looking 6000×4000 JPEG (header parses with the right size).
fn is_valid(path: &Path) -> bool {
    image::ImageReader::open(path)
        .ok()
        .and_then(|r| r.with_guessed_format().ok())
        .and_then(|r| r.into_dimensions().ok())
        == Some((WIDTH, HEIGHT))
}

/// Makes sure `dir` holds exactly `n` benchmark photos, generating the missing ones in parallel.
/// Returns their paths and the generation time (`None` when everything was cached).
fn prepare_photos(dir: &Path, n: usize) -> (Vec<PathBuf>, Option<Duration>) {
    fs::create_dir_all(dir)
        .unwrap_or_else(|e| panic!("cannot create photo cache {}: {e}", dir.display()));
    let wanted: Vec<PathBuf> = (0..n).map(|i| dir.join(photo_name(i))).collect();

    // Remove anything that is not one of the wanted photos (other counts, interrupted writes),
    // so the scan sees exactly `n` files.
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list photo cache {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("photo cache entry is readable").path();
        if path.is_file() && !wanted.contains(&path) {
            fs::remove_file(&path)
                .unwrap_or_else(|e| panic!("cannot remove stale {}: {e}", path.display()));
        }
    }

    let missing: Vec<usize> = (0..n).filter(|&i| !is_valid(&wanted[i])).collect();
    if missing.is_empty() {
        return (wanted, None);
    }

    let sources = cull_tests::fixture_photos();
    assert!(
        !sources.is_empty(),
        "no committed photos in {}",
        cull_tests::fixture_photos_dir().display()
    );
    println!(
        "generating {} of {n} {WIDTH}×{HEIGHT} JPEGs (q{QUALITY}) in {} …",
        missing.len(),
        dir.display()
    );
    let started = Instant::now();
    missing.par_iter().for_each(|&i| {
        let src = &sources[i % sources.len()];
        let name = src
            .file_name()
            .and_then(|s| s.to_str())
            .expect("fixture photo names are UTF-8");
        let img = cull_tests::load_photo(name);
        let big = cull_tests::upscale_to(&img, WIDTH, HEIGHT);
        drop(img);
        let noisy = cull_tests::noise(&big, NOISE, 0xC011_0000 + i as u64);
        drop(big);
        // Write under a hidden name (the scan skips those), then rename into place.
        let tmp = dir.join(format!(".{}.part", photo_name(i)));
        cull_tests::write_jpeg(&tmp, &noisy, QUALITY)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", tmp.display()));
        fs::rename(&tmp, &wanted[i])
            .unwrap_or_else(|e| panic!("cannot rename {}: {e}", tmp.display()));
    });
    (wanted, Some(started.elapsed()))
}

/// Reads every file once so both measurements start from the page cache. Returns total bytes.
fn warm_page_cache(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .map(|p| {
            let bytes = fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            black_box(&bytes);
            bytes.len() as u64
        })
        .sum()
}

/// Reads and fully decodes every file to RGB8 on `pool`.
fn full_decode(pool: &rayon::ThreadPool, files: &[PathBuf]) -> Duration {
    let started = Instant::now();
    let pixels: u64 = pool.install(|| {
        files
            .par_iter()
            .map(|p| {
                let bytes =
                    fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
                let img = image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg)
                    .unwrap_or_else(|e| panic!("cannot decode {}: {e}", p.display()))
                    .into_rgb8();
                assert_eq!(img.dimensions(), (WIDTH, HEIGHT), "{}", p.display());
                u64::from(black_box(&img).width()) * u64::from(img.height())
            })
            .sum()
    });
    let elapsed = started.elapsed();
    black_box(pixels);
    elapsed
}

fn run_scan(
    store: &mut Store,
    dir: &Path,
    threads: usize,
    model: Option<&ModelHandle>,
) -> (ScanSummary, Duration) {
    let options = ScanOptions {
        roots: vec![dir.to_path_buf()],
        threads: Some(threads),
        model: model.cloned(),
        skip_cached: false,
    };
    let started = Instant::now();
    let summary = scan(
        store,
        &options,
        &NoProgress,
        &CancelToken::new(),
        &mut |_report| {},
    )
    .unwrap_or_else(|e| panic!("scan of {} failed: {e}", dir.display()));
    (summary, started.elapsed())
}

/// One fresh scan plus a cached rescan on the same store. Returns (scan, rescan) times.
fn cull_scan(
    dir: &Path,
    n: usize,
    threads: usize,
    model: Option<&ModelHandle>,
) -> (Duration, Duration) {
    let tmp = tempfile::tempdir().expect("a temporary directory for the store");
    let mut store = Store::open(&tmp.path().join("bench.db")).expect("a fresh SQLite store opens");

    let (first, scan_time) = run_scan(&mut store, dir, threads, model);
    assert!(
        first.judged == n && first.failed == 0 && first.shots == n && !first.cancelled,
        "scan should judge all {n} photos with no failures, got {first:?}"
    );

    if let Some(model) = model {
        let note = first.model_note.clone().unwrap_or_default();
        assert!(
            note.contains(&model.info().name) && note.contains("running on"),
            "the model should have run: {note}"
        );
    }
    let (again, rescan_time) = run_scan(&mut store, dir, threads, model);
    assert!(
        again.cached == n && again.judged == 0 && again.failed == 0,
        "rescan should answer all {n} photos from the cache, got {again:?}"
    );
    (scan_time, rescan_time)
}

/// Best (shortest) and median of a set of durations.
fn best_and_median(times: &[Duration]) -> (Duration, Duration) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let best = sorted[0];
    // The two middle elements (the same one when the count is odd).
    let len = sorted.len();
    let median = (sorted[(len - 1) / 2] + sorted[len / 2]) / 2;
    (best, median)
}

fn per_second(n: usize, t: Duration) -> f64 {
    n as f64 / t.as_secs_f64()
}

#[cfg(target_os = "linux")]
fn print_peak_rss() {
    if let Some(mib) = cull_tests::peak_rss_mib() {
        println!("peak RSS (VmHWM): {mib:.0} MiB");
    }
}

#[cfg(not(target_os = "linux"))]
fn print_peak_rss() {}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument or `--list` has nothing to select here.
    if std::env::args().any(|a| a == "--list") {
        println!("scan: benchmark");
        return;
    }

    let n = env_usize("CULL_BENCH_PHOTOS", 24);
    let threads = env_usize("CULL_BENCH_THREADS", 2);
    let rounds = env_usize("CULL_BENCH_ROUNDS", 2);

    let dir = cache_dir();
    let (files, generated) = prepare_photos(&dir, n);
    match generated {
        Some(t) => println!("generated in {:.1} s", t.as_secs_f64()),
        None => println!("reusing {n} cached photos in {}", dir.display()),
    }
    let bytes = warm_page_cache(&files);
    println!(
        "{n} photos, {:.1} MB total, {:.2} MB average; {threads} threads, {rounds} rounds",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / n as f64
    );

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool for the baseline decode");

    let model = OnnxModel::find(&[], Device::Cpu)
        .unwrap_or_else(|e| panic!("{e}: the benchmark needs the shipped model and ONNX Runtime"));
    // Build the session now: a scan pays that once per app run, not once per batch.
    let warm_up = cull_core::model::ModelInput {
        views: vec![
            128;
            cull_core::model::VIEW_COUNT * (cull_core::model::VIEW_SIDE.pow(2) * 3) as usize
        ],
        features: [0.5; cull_core::model::FEATURE_COUNT],
    };
    model.infer(&[warm_up]).expect("the model runs");
    let model = ModelHandle(std::sync::Arc::new(model));

    let mut decode_times = Vec::with_capacity(rounds);
    let mut scan_times = Vec::with_capacity(rounds);
    let mut rescan_times = Vec::with_capacity(rounds);
    let mut model_times = Vec::with_capacity(rounds);
    for round in 1..=rounds {
        let d = full_decode(&pool, &files);
        let (s, r) = cull_scan(&dir, n, threads, None);
        let (m, _) = cull_scan(&dir, n, threads, Some(&model));
        println!(
            "round {round}: full decode {:.2} s, cull scan {:.2} s, cached rescan {:.1} ms, scan with the model {:.2} s",
            d.as_secs_f64(),
            s.as_secs_f64(),
            r.as_secs_f64() * 1e3,
            m.as_secs_f64()
        );
        decode_times.push(d);
        scan_times.push(s);
        rescan_times.push(r);
        model_times.push(m);
    }

    let (decode_best, decode_median) = best_and_median(&decode_times);
    let (scan_best, scan_median) = best_and_median(&scan_times);
    let (rescan_best, rescan_median) = best_and_median(&rescan_times);

    println!();
    println!(
        "| {:<6} | {:>6} | {:>7} | {:>20} | {:>19} | {:>24} | {:>17} |",
        "",
        "photos",
        "threads",
        "full decode photos/s",
        "cull scan photos/s",
        "ratio (scan/decode)",
        "cached rescan"
    );
    println!(
        "|{:-<8}|{:->8}|{:->9}|{:->22}|{:->21}|{:->26}|{:->19}|",
        "", "", "", "", "", "", ""
    );
    for (label, d, s, r) in [
        ("best", decode_best, scan_best, rescan_best),
        ("median", decode_median, scan_median, rescan_median),
    ] {
        let (dps, sps) = (per_second(n, d), per_second(n, s));
        println!(
            "| {label:<6} | {n:>6} | {threads:>7} | {dps:>20.2} | {sps:>19.2} | {:>24} | {:>17} |",
            format!("{:.2}×", sps / dps),
            format!("{:.1} ms", r.as_secs_f64() * 1e3)
        );
    }
    println!();
    let ratio = per_second(n, scan_best) / per_second(n, decode_best);
    println!(
        "target (best cull scan at least as fast as a full decode): {}",
        if ratio >= 1.0 { "met" } else { "NOT met" }
    );

    let (model_best, model_median) = best_and_median(&model_times);
    println!();
    println!(
        "| {:<6} | {:>18} | {:>21} | {:>26} |",
        "", "scan photos/s", "with model photos/s", "time with / without model"
    );
    println!("|{:-<8}|{:->20}|{:->23}|{:->28}|", "", "", "", "");
    for (label, s, m) in [
        ("best", scan_best, model_best),
        ("median", scan_median, model_median),
    ] {
        println!(
            "| {label:<6} | {:>18.2} | {:>21.2} | {:>26} |",
            per_second(n, s),
            per_second(n, m),
            format!("{:.2}×", m.as_secs_f64() / s.as_secs_f64())
        );
    }
    let slowdown = model_median.as_secs_f64() / scan_median.as_secs_f64();
    println!(
        "target (median scan with the model within 1.2× of the scan without): {}",
        if slowdown <= 1.2 { "met" } else { "NOT met" }
    );
    print_peak_rss();
}
