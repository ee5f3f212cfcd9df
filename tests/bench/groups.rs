//! Grouping at scale (issue 11): `cull_core::groups::group` over 10 000 and 100 000 generated
//! shots in one run — bursts of 1–8 frames a fraction of a second apart, scenes seconds to
//! minutes apart, a copy of every fiftieth shot filed elsewhere without its capture time — each
//! with a 1280-value embedding like the judge's. Reports the time to group (one thread), the
//! groups found by kind, groups that mixed two scenes, scenes split over two groups, and peak
//! memory. Synthetic by design: it measures cost and the algorithm's bookkeeping, not accuracy
//! on real photos.
//!
//! Then the same shots go into a real library database (`Store::save`, as a scan stores them)
//! and the library regroups as scans do: everything (`Store::regroup(None)`: reading every
//! shot's report, embedding and hash back, grouping, writing the groups), and after five new
//! frames arrive in one burst (`Store::regroup(Some(..))`, the path a scan or a watcher batch
//! takes), side by side at 10 000 and 100 000 shots.
//!
//! ```text
//! cargo bench -p cull-tests --bench groups
//! ```

use std::collections::HashMap;
use std::time::Instant;

use cull_core::groups::{group, GroupInput, GroupKind};
use cull_core::media::ExifInfo;
use cull_core::model::ModelInfo;
use cull_core::scan::{JudgedShot, Likeness, Outcome, ShotReport};
use cull_core::store::Fresh;
use cull_core::{Store, Verdict};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DIM: usize = 1280;

fn unit(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
    v.iter_mut().for_each(|x| *x /= n);
}

/// Shots in scenes; returns them, how many scenes had more than one frame, and each shot's
/// scene (copies: their original's).
fn library(n: usize, rng: &mut StdRng) -> (Vec<GroupInput>, usize, HashMap<i64, usize>) {
    let mut shots = Vec::with_capacity(n + n / 50);
    let mut scene_of = HashMap::new();
    let mut time = 0.0f64;
    let mut bursts = 0;
    let mut scene_no = 0;
    while shots.len() < n {
        scene_no += 1;
        time += rng.gen_range(5.0..300.0);
        let frames = rng.gen_range(1..=8usize).min(n - shots.len());
        bursts += usize::from(frames > 1);
        let mut scene: Vec<f32> = (0..DIM).map(|_| rng.gen_range(-1.0..1.0)).collect();
        unit(&mut scene);
        let hash: u64 = rng.gen();
        for f in 0..frames {
            // Each frame nudged from the scene (cosine to its neighbour ≈ 0.97).
            let mut e: Vec<f32> = scene
                .iter()
                .map(|x| x + rng.gen_range(-0.006..0.006))
                .collect();
            unit(&mut e);
            let id = shots.len() as i64;
            scene_of.insert(id, scene_no);
            scene_of.insert(id + COPY_OFFSET, scene_no);
            shots.push(GroupInput {
                id,
                name: format!("IMG_{id:06}"),
                time: Some(time + 0.15 * f as f64),
                camera: Some("Camera".into()),
                embedding: Some(e),
                dhash: Some(hash ^ (1u64 << rng.gen_range(0..64))),
                subject_edge_px: Some(rng.gen_range(1.5..4.0)),
                score: rng.gen_range(40.0..100.0),
                ..GroupInput::default()
            });
        }
    }
    let copies: Vec<GroupInput> = shots
        .iter()
        .step_by(50)
        .map(|s| GroupInput {
            id: s.id + COPY_OFFSET,
            time: None,
            camera: None,
            ..s.clone()
        })
        .collect();
    shots.extend(copies);
    (shots, bursts, scene_of)
}

const COPY_OFFSET: i64 = 10_000_000;

fn main() {
    let mut rng = StdRng::seed_from_u64(11);
    println!("| shots | bursts made | groups | burst | duplicate | bracket | mixed scenes | bursts split | group time | per shot |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for n in [10_000usize, 100_000] {
        let (shots, bursts, scene_of) = library(n, &mut rng);
        let started = Instant::now();
        let groups = group(&shots);
        let took = started.elapsed();
        let count = |k: GroupKind| groups.iter().filter(|g| g.kind == k).count();
        // A group holding two scenes grouped different photos; a scene in two groups was split.
        let mut groups_of_scene: HashMap<usize, usize> = HashMap::new();
        let mut mixed = 0;
        for g in &groups {
            let mut scenes: Vec<usize> = g
                .members
                .iter()
                .filter_map(|m| scene_of.get(&m.id).copied())
                .collect();
            scenes.sort_unstable();
            scenes.dedup();
            mixed += usize::from(scenes.len() > 1);
            for s in scenes {
                *groups_of_scene.entry(s).or_default() += 1;
            }
        }
        let split = groups_of_scene.values().filter(|&&c| c > 1).count();
        println!(
            "| {} | {bursts} | {} | {} | {} | {} | {mixed} | {split} | {:.2} s | {:.1} µs |",
            shots.len(),
            groups.len(),
            count(GroupKind::Burst),
            count(GroupKind::Duplicate),
            count(GroupKind::Bracket),
            took.as_secs_f64(),
            took.as_secs_f64() * 1e6 / shots.len() as f64
        );
    }
    if let Some(mib) = cull_tests::peak_rss_mib() {
        println!(
            "peak RSS (VmHWM): {mib:.0} MiB (embeddings alone: 100 000 × 1280 × 4 B ≈ 490 MiB)"
        );
    }
    println!();
    println!("| shots in the library | regroup everything | groups | 5 new frames: regroup around them | groups rewritten |");
    println!("|---|---|---|---|---|");
    for n in [10_000usize, 100_000] {
        let mut rng = StdRng::seed_from_u64(12);
        let (shots, _, _) = library(n, &mut rng);
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("library.db")).expect("store");
        for chunk in shots.chunks(2_000) {
            let fresh: Vec<Fresh> = chunk.iter().map(stored).collect();
            store.save(&fresh).expect("save");
        }
        let started = Instant::now();
        let all = store.regroup(None).expect("regroup");
        let everything = started.elapsed();
        // Five frames arrive at the end of the last scene's burst, seconds later than it.
        let last = shots
            .iter()
            .filter(|s| s.time.is_some())
            .max_by(|a, b| a.time.unwrap_or(0.0).total_cmp(&b.time.unwrap_or(0.0)))
            .cloned()
            .expect("a timed shot");
        let arrivals: Vec<GroupInput> = (1..=5)
            .map(|k| GroupInput {
                id: 50_000_000 + k,
                name: format!("NEW_{k}"),
                time: last.time.map(|t| t + 0.15 * k as f64),
                ..last.clone()
            })
            .collect();
        let fresh: Vec<Fresh> = arrivals.iter().map(stored).collect();
        store.save(&fresh).expect("save");
        let keys: Vec<String> = fresh.iter().map(|f| f.key.clone()).collect();
        let started = Instant::now();
        let rewritten = store.regroup(Some(&keys)).expect("regroup");
        let around = started.elapsed();
        println!(
            "| {} | {:.2} s | {all} | {:.1} ms | {rewritten} |",
            shots.len() + arrivals.len(),
            everything.as_secs_f64(),
            around.as_secs_f64() * 1e3
        );
    }
    if let Some(mib) = cull_tests::peak_rss_mib() {
        println!("peak RSS (VmHWM) after both: {mib:.0} MiB");
    }
}

/// A generated shot as a scan would store it: a judged report with the capture time, camera and
/// model, its embedding and hash.
fn stored(s: &GroupInput) -> Fresh {
    let key = format!("/bench/{}.jpg", s.name);
    let captured = s.time.map(|t| {
        let (whole, frac) = (t.floor() as u64, ((t - t.floor()) * 100.0).round() as u64);
        let day = 1 + whole / 86_400 % 28;
        let (h, m, sec) = (whole / 3600 % 24, whole / 60 % 60, whole % 60);
        (
            format!("2024:05:{day:02} {h:02}:{m:02}:{sec:02}"),
            format!("{:02}", frac.min(99)),
        )
    });
    let judged = JudgedShot {
        score: s.score,
        verdict: Verdict::Keep,
        reasons: Vec::new(),
        exif: ExifInfo {
            capture_time: captured.as_ref().map(|c| c.0.clone()),
            capture_subsec: captured.map(|c| c.1),
            camera: s.camera.clone(),
            ..ExifInfo::default()
        },
        width: 6000,
        height: 4000,
        model: Some(ModelInfo {
            name: "bench".into(),
            version: "1".into(),
            reject_at: 0.9,
        }),
        quality: None,
        faces: Vec::new(),
    };
    Fresh {
        key: key.clone(),
        fingerprint: format!("bench|{key}"),
        content: None,
        report: ShotReport {
            key: key.clone(),
            thumbnail: None,
            embedding: s.embedding.clone(),
            likeness: s.dhash.map(|dhash| Likeness {
                dhash,
                focus_px: s.subject_edge_px,
                focus_at: Some([0.5, 0.5]),
            }),
            version: 0,
            bytes: 0,
            path: key.clone().into(),
            files: vec![key.into()],
            outcome: Outcome::Judged(judged),
        },
    }
}
