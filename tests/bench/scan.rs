//! Scan throughput on 24-megapixel JPEGs, against libjpeg-turbo merely decoding the same files.
//!
//! What it measures, in one run, on the same photos and the same number of threads:
//!
//! 1. **Full decode** (the baseline of issue 13): every file read and decoded at full size to RGB
//!    by libjpeg-turbo (the `turbojpeg` crate, one decompressor and one output buffer reused per
//!    thread), on a rayon pool of `CULL_BENCH_THREADS` threads. This is what any tool that looks
//!    at every pixel pays.
//! 2. **1/8 decode**: the same at 1/8 scale (DCT scaling): little more than the entropy decoding,
//!    the floor for any JPEG culler.
//! 3. **Cull scan** without and **with the learned model** (`models/cull-judge-3.onnx` and the
//!    face networks on the CPU through ONNX Runtime): `cull_core::scan` over the folder into a
//!    fresh SQLite store (walk, group, decode, judge, store). Every photo must be judged and none
//!    may fail. The session is built and warmed before the first round, as it is once per app run.
//! 4. **Cached rescan**: the scan again on the same store, answering every shot from the cache.
//!
//! The four alternate for `CULL_BENCH_ROUNDS` rounds; best and median are reported as photos/s.
//! Targets: the scan with the model takes at most 1.0× the time of the full decode; stretch, it
//! runs at ≥ 0.8× the rate of the 1/8 decode. The page cache is warmed first so all start from
//! memory, and peak RSS is printed at the end (Linux).
//!
//! The photos are made from the committed fixtures (`tests/fixtures/photos`), cycled, upscaled to
//! 6000×4000, given sensor grain (so files weigh what a camera's do, ~5–6 MB) and written at
//! JPEG quality 92. They are cached in `$CARGO_TARGET_DIR/cull-bench-24mp-grain/` (else
//! `target/cull-bench-24mp-grain/` in the repository) and reused by later runs.
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
//! * `CULL_BENCH_THREADS`: worker threads for the decodes and the scan (default 2).
//! * `CULL_BENCH_ROUNDS`: rounds (default 3; the machine this grew on is shared, and a round can run 20 % slow).

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The binaries' allocator (`cull`, the app), so the engine runs here as it does there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cull_core::model::{Device, Model, ModelHandle, OnnxModel};
use cull_core::progress::NoProgress;
use cull_core::{scan, CancelToken, ScanOptions, ScanSummary, Store};
use rayon::prelude::*;

const WIDTH: u32 = 6000;
const HEIGHT: u32 = 4000;
const QUALITY: u8 = 92;
/// Sensor grain (σ in 8-bit levels): a 24 MP file then weighs ~5–6 MB, as a camera's does.
const NOISE: f32 = 8.0;

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => panic!("{name} must be a positive integer, got {v:?}"),
        },
        _ => default,
    }
}

/// `$CARGO_TARGET_DIR/cull-bench-24mp-grain`, else the same under `target/` in the repository.
fn cache_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("cull-bench-24mp-grain")
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

thread_local! {
    /// One libjpeg-turbo decompressor and one output buffer per thread, reused for every file.
    static TURBO: std::cell::RefCell<Option<(turbojpeg::Decompressor, Vec<u8>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Reads and decodes every file to RGB with libjpeg-turbo at 1/`scale` (1 or 8) on `pool`: the
/// file itself, or a RAW's largest embedded JPEG (what Cull judges a RAW by).
fn turbo_decode(pool: &rayon::ThreadPool, files: &[PathBuf], scale: usize) -> Duration {
    let started = Instant::now();
    let pixels: u64 = pool.install(|| {
        files
            .par_iter()
            .map(|p| {
                let file =
                    fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
                let start = if file.starts_with(&[0xFF, 0xD8]) {
                    0
                } else {
                    cull_core::media::largest_embedded_jpeg(&file)
                        .unwrap_or_else(|| panic!("no preview in {}", p.display()))
                        .0
                };
                let bytes = &file[start..];
                TURBO.with(|cell| {
                    let mut slot = cell.borrow_mut();
                    let (turbo, buffer) = slot.get_or_insert_with(|| {
                        let d = turbojpeg::Decompressor::new().expect("a decompressor");
                        (d, Vec::new())
                    });
                    let factor = turbojpeg::ScalingFactor::new(1, scale);
                    turbo.set_scaling_factor(factor).expect("a scaling factor");
                    let header = turbo
                        .read_header(bytes)
                        .expect("a JPEG header")
                        .scaled(factor);
                    buffer.resize(header.width * header.height * 3, 0);
                    let image = turbojpeg::Image {
                        pixels: buffer.as_mut_slice(),
                        width: header.width,
                        pitch: header.width * 3,
                        height: header.height,
                        format: turbojpeg::PixelFormat::RGB,
                    };
                    turbo
                        .decompress(bytes, image)
                        .unwrap_or_else(|e| panic!("cannot decode {}: {e}", p.display()));
                    black_box(&buffer);
                    (header.width * header.height) as u64
                })
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
    let rounds = env_usize("CULL_BENCH_ROUNDS", 3);

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

    let mut full_times = Vec::with_capacity(rounds);
    let mut eighth_times = Vec::with_capacity(rounds);
    let mut scan_times = Vec::with_capacity(rounds);
    let mut rescan_times = Vec::with_capacity(rounds);
    let mut model_times = Vec::with_capacity(rounds);
    for round in 1..=rounds {
        let full = turbo_decode(&pool, &files, 1);
        let eighth = turbo_decode(&pool, &files, 8);
        let (s, r) = cull_scan(&dir, n, threads, None);
        let (m, _) = cull_scan(&dir, n, threads, Some(&model));
        println!(
            "round {round}: full decode {:.2} s, 1/8 decode {:.2} s, cull scan {:.2} s, with the model {:.2} s, cached rescan {:.1} ms",
            full.as_secs_f64(),
            eighth.as_secs_f64(),
            s.as_secs_f64(),
            m.as_secs_f64(),
            r.as_secs_f64() * 1e3,
        );
        full_times.push(full);
        eighth_times.push(eighth);
        scan_times.push(s);
        rescan_times.push(r);
        model_times.push(m);
    }

    println!();
    println!(
        "| {:<6} | {:>17} | {:>16} | {:>14} | {:>20} | {:>24} | {:>23} | {:>13} |",
        "",
        "full decode ph/s",
        "1/8 decode ph/s",
        "scan ph/s",
        "scan + model ph/s",
        "time: model scan / full",
        "rate: model scan / 1/8",
        "cached rescan"
    );
    println!(
        "|{:-<8}|{:->19}|{:->18}|{:->16}|{:->22}|{:->26}|{:->25}|{:->15}|",
        "", "", "", "", "", "", "", ""
    );
    let pick = |times: &[Duration], median: bool| {
        let (best, mid) = best_and_median(times);
        if median {
            mid
        } else {
            best
        }
    };
    for (label, median) in [("best", false), ("median", true)] {
        let full = pick(&full_times, median);
        let eighth = pick(&eighth_times, median);
        let scan = pick(&scan_times, median);
        let with_model = pick(&model_times, median);
        let rescan = pick(&rescan_times, median);
        println!(
            "| {label:<6} | {:>17.2} | {:>16.2} | {:>14.2} | {:>20.2} | {:>24} | {:>23} | {:>13} |",
            per_second(n, full),
            per_second(n, eighth),
            per_second(n, scan),
            per_second(n, with_model),
            format!("{:.2}×", with_model.as_secs_f64() / full.as_secs_f64()),
            format!("{:.2}×", eighth.as_secs_f64() / with_model.as_secs_f64()),
            format!("{:.1} ms", rescan.as_secs_f64() * 1e3)
        );
    }
    println!();
    // Each round's scan against the same round's decode: a slow spell on a shared machine slows
    // both sides of a pair, where the medians above may take their two sides from different rounds.
    let mut paired: Vec<f64> = model_times
        .iter()
        .zip(&full_times)
        .map(|(m, f)| m.as_secs_f64() / f.as_secs_f64())
        .collect();
    paired.sort_by(f64::total_cmp);
    let ratio = paired[paired.len() / 2];
    println!(
        "per round, model scan / full decode: {}",
        paired
            .iter()
            .map(|r| format!("{r:.2}×"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "target (the median round's scan with the model at most 1.0× the time of its full libjpeg-turbo decode): {} ({ratio:.2}×)",
        if ratio <= 1.0 { "met" } else { "NOT met" }
    );
    let stretch = pick(&eighth_times, true).as_secs_f64() / pick(&model_times, true).as_secs_f64();
    println!(
        "stretch (at least 0.8× the rate of the 1/8 decode): {} ({stretch:.2}×)",
        if stretch >= 0.8 { "met" } else { "NOT met" }
    );
    raw_case(&pool, threads, rounds, &model);
    print_peak_rss();
}

/// The RAW-heavy case: copies of the one real camera RAW the fixtures have (Sony α7R III `.ARW`,
/// fetched by `tests/fixtures/fetch.sh`), judged through their embedded previews, against
/// libjpeg-turbo decoding those previews at full size. Skipped when the RAW is not fetched.
fn raw_case(pool: &rayon::ThreadPool, threads: usize, rounds: usize, model: &ModelHandle) {
    let Some(raw) = cull_tests::cached_fixture("raw/sony_a7r3.arw") else {
        println!("RAW case skipped: run tests/fixtures/fetch.sh for the Sony ARW");
        return;
    };
    let n = env_usize("CULL_BENCH_RAWS", 12);
    let dir = cache_dir().with_file_name("cull-bench-raw");
    fs::create_dir_all(&dir).expect("a folder for the RAW copies");
    let size = |p: &Path| fs::metadata(p).map(|m| m.len()).ok();
    let files: Vec<PathBuf> = (0..n)
        .map(|i| {
            let copy = dir.join(format!("raw_{i:04}.arw"));
            if size(&copy) != size(&raw) {
                fs::copy(&raw, &copy).expect("a RAW copy");
            }
            copy
        })
        .collect();
    // Copies from a run with more of them would be scanned too.
    for entry in fs::read_dir(&dir).expect("the RAW folder lists").flatten() {
        if !files.contains(&entry.path()) {
            fs::remove_file(entry.path()).expect("a stale RAW copy is removed");
        }
    }
    warm_page_cache(&files);
    let (mut full_times, mut model_times) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        full_times.push(turbo_decode(pool, &files, 1));
        model_times.push(cull_scan(&dir, n, threads, Some(model)).0);
    }
    let (_, full) = best_and_median(&full_times);
    let (_, with_model) = best_and_median(&model_times);
    println!();
    println!(
        "RAW case ({n} copies of a Sony α7R III ARW, judged by the embedded preview; medians): \
         preview full decode {:.2} ph/s, scan + model {:.2} ph/s, time {:.2}×",
        per_second(n, full),
        per_second(n, with_model),
        with_model.as_secs_f64() / full.as_secs_f64()
    );
}
