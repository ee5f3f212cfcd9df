//! The library at scale: a generated library of many small photos (default 100 000, in folders of
//! 1 000), measured in one run:
//!
//! 1. **First scan** without the learned model (the model's cost per photo is the scan
//!    benchmark's subject): photos/second through the whole pipeline into a fresh library.
//! 2. **Unchanged rescan**: the same scan again; every shot answered from the cache. Target < 5 s
//!    at 100 000.
//! 3. **Database bytes per shot**, after a checkpoint (verdict row, thumbnail, indexes).
//! 4. **Listing**: reading every stored shot back (`Store::all_shots`), the engine's part of the
//!    app's first paint of the grid.
//! 5. **A watcher at rest**: `cull_core::watch::watch` over the whole library, its CPU time over
//!    10 s with nothing changing (target ≈ 0), after the time it took to start watching.
//! 6. **Arrivals**: a card import of `CULL_BENCH_ARRIVALS` photos (default 5 000) written into a
//!    watched folder at once, the time until all are judged, and the peak memory after it.
//!
//! The photos are 320×213 JPEGs made from the committed fixtures, each with its own noise so no
//! two files are the same; they are cached in `$CARGO_TARGET_DIR/cull-bench-library-N/` and
//! reused by later runs.
//!
//! ```text
//! cargo bench -p cull-tests --bench library
//! CULL_BENCH_SHOTS=10000 cargo bench -p cull-tests --bench library
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cull_core::progress::NoProgress;
use cull_core::watch::{watch, Change, WatchOptions};
use cull_core::{scan, CancelToken, Library, ScanOptions};
use rayon::prelude::*;

const PER_FOLDER: usize = 1000;

fn shots_wanted() -> usize {
    std::env::var("CULL_BENCH_SHOTS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(100_000)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn small_photos() -> Vec<image::RgbImage> {
    [
        "astronaut",
        "chelsea_cat",
        "coffee_cup",
        "rocket_launch",
        "brick_wall",
    ]
    .iter()
    .map(|name| {
        let photo = cull_tests::load_photo(name);
        image::imageops::resize(&photo, 320, 213, image::imageops::FilterType::Triangle)
    })
    .collect()
}

fn encode(base: &image::RgbImage, seed: usize) -> Vec<u8> {
    let mut img = base.clone();
    // A little noise of its own, so every file is distinct content.
    let mut state = (seed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for pixel in img.pixels_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let delta = (state % 5) as i16 - 2;
        for c in pixel.0.iter_mut() {
            *c = (i16::from(*c) + delta).clamp(0, 255) as u8;
        }
    }
    cull_tests::encode_jpeg(&img, 85).expect("encode")
}

/// The generated library, made once and reused.
fn library_of(n: usize) -> PathBuf {
    let root = target_dir().join(format!("cull-bench-library-{n}"));
    let done = root.join(".complete");
    if done.exists() {
        return root;
    }
    let started = Instant::now();
    let bases = small_photos();
    (0..n).into_par_iter().for_each(|i| {
        let folder = root.join(format!("{:03}", i / PER_FOLDER));
        std::fs::create_dir_all(&folder).expect("mkdir");
        let bytes = encode(&bases[i % bases.len()], i);
        std::fs::write(folder.join(format!("IMG_{i:06}.jpg")), bytes).expect("write");
    });
    std::fs::write(&done, b"").expect("mark");
    eprintln!(
        "made {n} photos in {:.1} s under {}",
        started.elapsed().as_secs_f64(),
        root.display()
    );
    root
}

/// User + system CPU seconds of this process so far (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let n = shots_wanted();
    let photos = library_of(n);
    let work = tempfile::tempdir().expect("tempdir");
    let home = work.path().join("home");
    let mut library = Library::open(&home).expect("library");
    let options = ScanOptions {
        roots: vec![photos.clone()],
        threads: Some(2),
        ..ScanOptions::default()
    };

    let mut timed_scan = |what: &str| {
        let started = Instant::now();
        let summary = scan(
            library.store_mut(),
            &options,
            &NoProgress,
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        (summary, started.elapsed().as_secs_f64())
    };
    let (first, first_secs) = timed_scan("first scan");
    assert_eq!((first.shots, first.judged, first.failed), (n, n, 0));
    let (again, rescan_secs) = timed_scan("rescan");
    assert_eq!((again.cached, again.judged), (n, 0));

    let started = Instant::now();
    let listed = library.store().all_shots().expect("list").len();
    let list_secs = started.elapsed().as_secs_f64();
    assert_eq!(listed, n);

    drop(library);
    {
        let conn = rusqlite::Connection::open(home.join("library.db")).expect("db");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
    }
    let db_bytes = std::fs::metadata(home.join("library.db"))
        .expect("db size")
        .len();
    let (thumb_bytes, report_bytes): (i64, i64) = rusqlite::Connection::open(home.join("library.db"))
        .expect("db")
        .query_row(
            "SELECT (SELECT sum(length(jpeg)) FROM thumbnails), (SELECT sum(length(report)) FROM shots)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("sizes");

    // The watcher over the whole library: time to start, CPU at rest, then an import.
    let mut library = Library::open(&home).expect("library");
    let cancel = CancelToken::new();
    let judged = Arc::new(Mutex::new(0usize));
    let ready_at = Arc::new(Mutex::new(None::<Instant>));
    let watch_started = Instant::now();
    let watcher = {
        let (cancel, judged, ready_at, photos) = (
            cancel.clone(),
            judged.clone(),
            ready_at.clone(),
            photos.clone(),
        );
        std::thread::spawn(move || {
            let options = WatchOptions {
                folders: vec![photos],
                quiet: Duration::from_millis(500),
                threads: Some(2),
                ..WatchOptions::default()
            };
            watch(
                &mut library,
                &options,
                &NoProgress,
                &cancel,
                &mut |change| match change {
                    Change::Ready => {
                        *ready_at.lock().expect("lock") = Some(Instant::now());
                    }
                    Change::Judged(_) => *judged.lock().expect("lock") += 1,
                    _ => {}
                },
            )
            .expect("watch");
        })
    };
    while ready_at.lock().expect("lock").is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let ready_secs = watch_started.elapsed().as_secs_f64();
    let cpu_before = cpu_seconds();
    std::thread::sleep(Duration::from_secs(10));
    let idle_cpu = cpu_seconds() - cpu_before;

    let arrivals = std::env::var("CULL_BENCH_ARRIVALS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(5000usize);
    let incoming = photos.join("000");
    let bases = small_photos();
    let started = Instant::now();
    let mut added = Vec::new();
    for i in 0..arrivals {
        let path = incoming.join(format!("NEW_{i:04}.jpg"));
        std::fs::write(&path, encode(&bases[i % bases.len()], n + i)).expect("write");
        added.push(path);
    }
    let until = Instant::now() + Duration::from_secs(600);
    while *judged.lock().expect("lock") < arrivals && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    let import_secs = started.elapsed().as_secs_f64();
    let imported = *judged.lock().expect("lock");
    cancel.cancel();
    watcher.join().expect("watcher ends");
    for path in added {
        let _ = std::fs::remove_file(path);
    }

    println!("library of {n} photos (320×213 JPEG, {PER_FOLDER} per folder), 2 threads, no model");
    println!(
        "  first scan         {first_secs:8.1} s   {:8.0} photos/s",
        n as f64 / first_secs
    );
    println!("  unchanged rescan   {rescan_secs:8.2} s   (target < 5 s at 100 000)");
    println!(
        "  list all shots     {list_secs:8.2} s   (the engine's part of the app's first paint)"
    );
    println!(
        "  database           {:8.1} MB  {:8.0} bytes per shot",
        db_bytes as f64 / 1e6,
        db_bytes as f64 / n as f64
    );
    println!(
        "    of which         {:8.0} bytes of thumbnail, {:.0} of verdict (JSON) per shot",
        thumb_bytes as f64 / n as f64,
        report_bytes as f64 / n as f64
    );
    println!("  watcher ready in   {ready_secs:8.2} s");
    println!("  watcher at rest    {idle_cpu:8.3} CPU s over 10 s (target ≈ 0)");
    println!(
        "  import of {arrivals}  {import_secs:8.2} s until all judged ({imported} judged, {:.0} photos/s, quiet time 0.5 s)",
        imported as f64 / import_secs
    );
    if let Some(mb) = cull_tests::peak_rss_mib() {
        println!("  peak RSS           {mb:8.0} MB");
    }
}
