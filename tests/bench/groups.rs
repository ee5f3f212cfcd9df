//! Grouping at scale (issue 11): `cull_core::groups::group` over 10 000 and 100 000 generated
//! shots in one run — bursts of 1–8 frames a fraction of a second apart, scenes seconds to
//! minutes apart, a copy of every fiftieth shot filed elsewhere without its capture time — each
//! with a 1280-value embedding like the judge's. Reports the time to group (one thread), the
//! groups found by kind, groups that mixed two scenes, scenes split over two groups, and peak
//! memory. Synthetic by design: it measures cost and the algorithm's bookkeeping, not accuracy
//! on real photos.
//!
//! ```text
//! cargo bench -p cull-tests --bench groups
//! ```

use std::collections::HashMap;
use std::time::Instant;

use cull_core::groups::{group, GroupInput, GroupKind};
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
}
