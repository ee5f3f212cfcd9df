//! Times each stage of judging a photo over a folder, single threaded, to see where scan time
//! goes: decode, each detector, faces, the model's input and its inference, the thumbnail.
//!
//! `cargo run --release -p cull-tests --example profile_stages -- DIR [--no-model] [--rounds N]`
//!
//! With several rounds each stage reports its fastest round: on a shared machine the slowest
//! rounds say more about the neighbours than about the code.

use std::time::{Duration, Instant};

use cull_core::judge::{Planes, TileGrid};
use cull_core::library::FileKind;
use cull_core::media::decode_preview;
use cull_core::model::{Device, Model, ModelInput, OnnxModel};

/// The binaries' allocator, so the stages cost here what they cost in `cull` and the app.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Default)]
struct Stages(Vec<(&'static str, Duration)>);

impl Stages {
    fn time<T>(&mut self, name: &'static str, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = work();
        self.record(name, start.elapsed(), |total, spent| total + spent);
        out
    }

    /// Keeps, per stage, the faster of this and `round`.
    fn keep_faster(&mut self, round: Stages) {
        for (name, spent) in round.0 {
            self.record(name, spent, Duration::min);
        }
    }

    /// `spent` as the stage's first time, or combined with the one it has.
    fn record(
        &mut self,
        name: &'static str,
        spent: Duration,
        combine: impl FnOnce(Duration, Duration) -> Duration,
    ) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, kept)) => *kept = combine(*kept, spent),
            None => self.0.push((name, spent)),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: profile_stages DIR [--no-model] [--rounds N]")?;
    let rest: Vec<String> = args.collect();
    let with_model = !rest.iter().any(|a| a == "--no-model");
    let rounds: usize = rest
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| rest.get(i + 1))
        .map_or(Ok(1), |n| n.parse())?;
    let model = with_model
        .then(|| OnnxModel::find(&[], Device::Cpu))
        .transpose()?;
    let mut best = Stages::default();
    let mut count = 0u32;
    let mut finer_decodes = 0u32;
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for _ in 0..rounds.max(1) {
        let mut stages = Stages::default();
        count = 0;
        finer_decodes = 0;
        for path in &files {
            let path = path.as_path();
            let Some(kind) = FileKind::from_path(path) else {
                continue;
            };
            let preview = stages.time("decode", || decode_preview(path, kind))?;
            stages.time("planes (part of measure)", || {
                let planes = Planes::from_rgb(&preview.image);
                TileGrid::for_size(planes.width, planes.height)
            });
            let measurements = stages.time("all detectors (measure)", || {
                cull_core::judge::measure(&preview)
            });
            if let Some(model) = &model {
                if let Some(finder) = model.faces() {
                    // As the scan does: small faces' eyes looked at in the JPEG decoded again, finer.
                    let finer = std::cell::Cell::new(0u32);
                    let closer = |k: u32| {
                        finer.set(finer.get() + 1);
                        cull_core::media::decode_finer(path, &preview, k)
                    };
                    stages.time("faces (finer decodes included)", || {
                        finder
                            .faces_closer(&preview.image, Some(&closer))
                            .map(|f| f.len())
                    })?;
                    finer_decodes += finer.get();
                }
                let input = stages.time("model input", || {
                    ModelInput::from_preview(&preview, &measurements)
                });
                stages.time("model inference", || model.infer(&[input]))?;
            }
            stages.time("likeness (dhash + focus)", || {
                cull_core::groups::dhash(&preview.image)
            });
            stages.time("thumbnail", || {
                cull_core::scan::encode_thumbnail(&preview.image)
            });
            count += 1;
        }
        best.keep_faster(stages);
    }
    let per = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(count.max(1));
    println!("{count} photos, ms per photo on one thread ({finer_decodes} finer decodes for small faces):");
    for (name, total) in &best.0 {
        println!("  {name:<32} {:>7.1}", per(*total));
    }
    Ok(())
}
