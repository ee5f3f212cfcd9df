//! [`OnnxModel`]: the shipped network run by ONNX Runtime through `ort`. The runtime library is
//! found at run time (never downloaded), the session is built on first use, on the device the
//! user chose when that device works here and on the CPU otherwise.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;
use ort::ep::ExecutionProvider;
use ort::session::builder::SessionBuilder;
use ort::session::Session;
use ort::value::Tensor;
use serde::{Deserialize, Serialize};

use super::card::ModelCard;
use super::faces::{FaceFinder, OnnxFaces};
use super::input::{ModelInput, FEATURE_COUNT, VIEW_COUNT, VIEW_SIDE};
use super::{Model, ModelError, ModelInfo, ModelOutput};

/// Where inference runs. `Cpu` is the default; `Auto` takes the first accelerator this machine's
/// ONNX Runtime can use.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Auto,
    #[default]
    Cpu,
    Cuda,
    #[serde(rename = "directml")]
    DirectMl,
    #[serde(rename = "coreml")]
    CoreMl,
}

impl Device {
    pub const ALL: [Device; 5] = [
        Device::Auto,
        Device::Cpu,
        Device::Cuda,
        Device::DirectMl,
        Device::CoreMl,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Device::Auto => "auto",
            Device::Cpu => "cpu",
            Device::Cuda => "cuda",
            Device::DirectMl => "directml",
            Device::CoreMl => "coreml",
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Device {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Device::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown device '{s}' (auto, cpu, cuda, directml or coreml)"))
    }
}

#[cfg(target_os = "windows")]
const RUNTIME_FILE: &str = "onnxruntime.dll";
#[cfg(target_os = "macos")]
const RUNTIME_FILE: &str = "libonnxruntime.dylib";
#[cfg(not(any(target_os = "windows", target_os = "macos")))]
const RUNTIME_FILE: &str = "libonnxruntime.so";

/// The ONNX Runtime library to load: `ORT_DYLIB_PATH`, else the copy set-up installs into Cull's
/// data folder (`$XDG_DATA_HOME`, then the default `~/.local/share`, since a different
/// `XDG_DATA_HOME` for one run must not hide it), else one beside the executable (how packaged
/// builds ship it).
pub fn onnx_runtime_library() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let xdg = std::env::var_os("XDG_DATA_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    let default_data = if cfg!(target_os = "macos") {
        "Library/Application Support"
    } else {
        ".local/share"
    };
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(default_data));
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    xdg.into_iter()
        .chain(home)
        .map(|d| d.join("cull/onnxruntime"))
        .chain(beside_exe)
        .map(|dir| dir.join(RUNTIME_FILE))
        .find(|path| path.is_file())
}

/// ONNX Runtime is one library per process, loaded the first time any model needs it.
fn environment() -> Result<&'static Environment, ModelError> {
    static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();
    ENVIRONMENT
        .get_or_init(|| {
            let library = onnx_runtime_library().ok_or_else(|| {
                format!(
                    "ONNX Runtime ({RUNTIME_FILE}) was not found: run src-tauri/scripts/setup.sh \
                     or point ORT_DYLIB_PATH at it"
                )
            })?;
            ort::init_from(&library)
                .map_err(|e| format!("cannot load {}: {e}", library.display()))?
                .with_name("cull")
                .with_telemetry(false)
                .build()
                .map_err(|e| format!("cannot start ONNX Runtime: {e}"))
        })
        .as_ref()
        .map_err(|e| ModelError(e.clone()))
}

struct Loaded {
    session: Mutex<Session>,
    note: String,
}

/// The shipped network, loaded lazily from its file.
pub struct OnnxModel {
    card: ModelCard,
    path: PathBuf,
    device: Device,
    threads: usize,
    loaded: OnceLock<Result<Loaded, ModelError>>,
    /// The face networks beside the model file, when they are there.
    faces: Option<OnnxFaces>,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxModel")
            .field("path", &self.path)
            .field("device", &self.device)
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

impl OnnxModel {
    /// The model at `path`, with its card at the same path with a `.json` extension. Nothing heavy
    /// happens until the first [`Model::infer`].
    pub fn open(path: &Path, device: Device) -> Result<Self, ModelError> {
        let card_path = path.with_extension("json");
        let json = std::fs::read_to_string(&card_path)
            .map_err(|e| ModelError(format!("cannot read {}: {e}", card_path.display())))?;
        Ok(Self {
            card: ModelCard::parse(&json)?,
            path: path.to_path_buf(),
            device,
            // Inference overlaps the decoding workers, which keep every core busy; a quarter of
            // the cores is enough to keep up with them, and idle ones must not spin.
            threads: std::thread::available_parallelism().map_or(1, |n| (n.get() / 4).max(1)),
            loaded: OnceLock::new(),
            faces: path
                .parent()
                .and_then(|dir| OnnxFaces::find(&[dir.to_path_buf()], device).ok()),
        })
    }

    /// The model shipped with Cull: `CULL_MODEL` when set, else `DEFAULT_FILE` in the first of
    /// `search` that has it, else in the source tree's `models/` (development builds).
    pub fn find(search: &[PathBuf], device: Device) -> Result<Self, ModelError> {
        if let Some(path) = std::env::var_os("CULL_MODEL").filter(|p| !p.is_empty()) {
            return Self::open(Path::new(&path), device);
        }
        let source_tree = source_tree_models();
        let path = search
            .iter()
            .chain(std::iter::once(&source_tree))
            .map(|dir| dir.join(Self::DEFAULT_FILE))
            .find(|p| p.is_file())
            .ok_or_else(|| ModelError(format!("{} not found beside Cull", Self::DEFAULT_FILE)))?;
        Self::open(&path, device)
    }

    pub const DEFAULT_FILE: &'static str = "cull-judge-3.onnx";

    /// Inference threads for ONNX Runtime's own pool (default: a quarter of the cores).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    fn load(&self) -> Result<&Loaded, ModelError> {
        self.loaded
            .get_or_init(|| {
                let (session, note) = open_session(&self.path, self.device, self.threads)?;
                Ok(Loaded {
                    session: Mutex::new(session),
                    note,
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// The `models/` folder of the source tree, where development builds find their networks.
pub(crate) fn source_tree_models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// A session for the network at `path` on `device` (CPU when it cannot be had), with `threads`
/// intra-op threads that do not spin; and the note saying where it runs.
pub(crate) fn open_session(
    path: &Path,
    device: Device,
    threads: usize,
) -> Result<(Session, String), ModelError> {
    let builder = Session::builder(environment()?)
        .and_then(|b| b.with_intra_threads(threads).map_err(Into::into))
        .and_then(|b| b.with_intra_op_spinning(false).map_err(Into::into))
        .map_err(|e| ModelError(format!("session options: {e}")))?;
    let (mut builder, note) = choose_device(builder, device);
    let session = builder
        .commit_from_file(path)
        .map_err(|e| ModelError(format!("{}: {e}", path.display())))?;
    Ok((session, note))
}

/// Registers the accelerator `device` asks for. Returns the builder and a note saying where
/// inference will run, including why it fell back to the CPU.
pub(crate) fn choose_device(
    mut builder: SessionBuilder,
    device: Device,
) -> (SessionBuilder, String) {
    let wanted: &[Device] = match device {
        Device::Cpu => &[],
        Device::Auto => &[Device::Cuda, Device::DirectMl, Device::CoreMl],
        other => match other {
            Device::Cuda => &[Device::Cuda],
            Device::DirectMl => &[Device::DirectMl],
            _ => &[Device::CoreMl],
        },
    };
    let mut failures = Vec::new();
    for &candidate in wanted {
        match register(&mut builder, candidate) {
            Ok(()) => return (builder, format!("running on {}", candidate.label())),
            Err(why) => failures.push(format!("{}: {why}", candidate.label())),
        }
    }
    let note = if device == Device::Cpu || (device == Device::Auto && !failures.is_empty()) {
        "running on the CPU".to_string()
    } else {
        format!(
            "{} is not usable here ({}); running on the CPU instead",
            device.label(),
            failures.join("; ")
        )
    };
    (builder, note)
}

fn register(builder: &mut SessionBuilder, device: Device) -> Result<(), String> {
    fn try_ep<E: ExecutionProvider>(builder: &mut SessionBuilder, ep: E) -> Result<(), String> {
        if !E::is_available().unwrap_or(false) {
            return Err("not included in this ONNX Runtime build".into());
        }
        ep.register(builder).map_err(|e| e.to_string())
    }
    match device {
        Device::Cuda => try_ep(builder, ort::ep::CUDA::default()),
        Device::DirectMl => try_ep(builder, ort::ep::DirectML::default()),
        Device::CoreMl => try_ep(builder, ort::ep::CoreML::default()),
        Device::Auto | Device::Cpu => Ok(()),
    }
}

impl Device {
    fn label(self) -> &'static str {
        match self {
            Device::Auto => "auto",
            Device::Cpu => "CPU",
            Device::Cuda => "CUDA",
            Device::DirectMl => "DirectML",
            Device::CoreMl => "Core ML",
        }
    }
}

impl Model for OnnxModel {
    fn faces(&self) -> Option<&dyn FaceFinder> {
        self.faces.as_ref().map(|f| f as &dyn FaceFinder)
    }

    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: self.card.name.clone(),
            version: self.card.version.clone(),
            reject_at: self.card.fusion.reject_at,
        }
    }

    fn card(&self) -> &ModelCard {
        &self.card
    }

    fn runtime_note(&self) -> Option<String> {
        match self.loaded.get()? {
            Ok(loaded) => Some(loaded.note.clone()),
            Err(e) => Some(e.to_string()),
        }
    }

    fn infer(&self, batch: &[ModelInput]) -> Result<Vec<ModelOutput>, ModelError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let loaded = self.load()?;
        let n = batch.len();
        let side = VIEW_SIDE as usize;
        let plane = side * side;
        // The network wants planar 0–1 RGB; the views are stored interleaved bytes.
        let mut views = vec![0f32; n * VIEW_COUNT * 3 * plane];
        for (input, out) in batch
            .iter()
            .zip(views.chunks_exact_mut(VIEW_COUNT * 3 * plane))
        {
            for (view, out) in input
                .views
                .chunks_exact(3 * plane)
                .zip(out.chunks_exact_mut(3 * plane))
            {
                let (r, rest) = out.split_at_mut(plane);
                let (g, b) = rest.split_at_mut(plane);
                for (i, px) in view.chunks_exact(3).enumerate() {
                    r[i] = f32::from(px[0]) * (1.0 / 255.0);
                    g[i] = f32::from(px[1]) * (1.0 / 255.0);
                    b[i] = f32::from(px[2]) * (1.0 / 255.0);
                }
            }
        }
        let features: Vec<f32> = batch.iter().flat_map(|b| b.features).collect();
        let fail = |e: ort::Error| ModelError(format!("inference failed: {e}"));
        let views = Tensor::from_array(([n, VIEW_COUNT, 3, side, side], views)).map_err(fail)?;
        let features = Tensor::from_array(([n, FEATURE_COUNT], features)).map_err(fail)?;
        let mut session = loaded
            .session
            .lock()
            .map_err(|_| ModelError("an earlier inference panicked".into()))?;
        let outputs = session
            .run(ort::inputs!["views" => views, "features" => features])
            .map_err(fail)?;
        let (_, probabilities) = outputs["probabilities"]
            .try_extract_tensor::<f32>()
            .map_err(fail)?;
        let (_, embedding) = outputs["embedding"]
            .try_extract_tensor::<f32>()
            .map_err(fail)?;
        let per_probs = probabilities.len() / n;
        let per_embedding = embedding.len() / n;
        let sizes_wrong = || {
            ModelError(format!(
                "unexpected output sizes: {per_probs} probabilities (the card lists {}), {per_embedding}-d embedding",
                self.card.outputs.len()
            ))
        };
        if per_probs == 0 || per_embedding != self.card.embedding_size {
            return Err(sizes_wrong());
        }
        probabilities
            .chunks_exact(per_probs)
            .zip(embedding.chunks_exact(per_embedding))
            .map(|(p, e)| {
                let (probabilities, quality) =
                    self.card.read_probabilities(p).ok_or_else(sizes_wrong)?;
                Ok(ModelOutput {
                    probabilities,
                    quality,
                    embedding: e.to_vec(),
                })
            })
            .collect()
    }
}
