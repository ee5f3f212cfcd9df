//! Running the real `cull` binary from black-box tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The `cull` binary of this build (`cargo build -p cull-cli` puts it next to the test
/// executables' `deps/` folder).
pub fn cull_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executable lives in <target>/<profile>/deps");
    let bin = profile_dir.join(format!("cull{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build it first with `cargo build -p cull-cli` (the README's test command does)",
        bin.display()
    );
    bin
}

/// A throwaway place for one test: a library folder, a database beside it, and a data home
/// that keeps the OS trash away from the user's own.
#[derive(Debug)]
pub struct Sandbox {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub library: PathBuf,
    pub db: PathBuf,
    pub data_home: PathBuf,
}

pub fn sandbox() -> Sandbox {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let library = root.join("library");
    std::fs::create_dir_all(&library).expect("mkdir");
    Sandbox {
        db: root.join("cull.db"),
        data_home: root.join("data"),
        library,
        root,
        _dir: dir,
    }
}

/// Runs a `cull` command that must succeed and returns its output; a failure shows both streams.
pub fn succeeds(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A `cull` command with its cache in `db` and the trash under `data_home` kept away from the
/// user's own.
pub fn cull(db: &Path, data_home: &Path) -> Command {
    let mut cmd = Command::new(cull_bin());
    cmd.arg("--db")
        .arg(db)
        .env("XDG_DATA_HOME", data_home)
        .env_remove("CULL_DB")
        .env_remove("CULL_HOME");
    cmd
}

/// Output of `cull scan --json`: the parsed lines and the stderr summary.
#[derive(Debug)]
pub struct ScanRun {
    pub lines: Vec<Value>,
    pub stderr: String,
    pub output: Output,
}

impl ScanRun {
    /// The line whose `path` ends with `name`.
    pub fn line(&self, name: &str) -> &Value {
        self.lines
            .iter()
            .find(|l| l["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .unwrap_or_else(|| panic!("no scan line for {name}: {:#?}", self.lines))
    }

    /// Reason codes of a judged line.
    pub fn codes(&self, name: &str) -> Vec<String> {
        self.codes_from(name, 0.0)
    }

    /// Reason codes the judge states with confidence (at least the lowest showing bar,
    /// `judge::MIN_SHOW_AT`): not the doubted ones, which only ask for a look.
    pub fn sure_codes(&self, name: &str) -> Vec<String> {
        self.codes_from(name, f64::from(cull_core::judge::MIN_SHOW_AT))
    }

    fn codes_from(&self, name: &str, min_confidence: f64) -> Vec<String> {
        self.line(name)["reasons"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter(|r| r["confidence"].as_f64().unwrap_or(0.0) >= min_confidence)
                    .filter_map(|r| r["code"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn scan_json(db: &Path, data_home: &Path, paths: &[&Path]) -> ScanRun {
    let output = cull(db, data_home)
        .arg("scan")
        .arg("--json")
        .args(paths)
        .output()
        .expect("cull runs");
    ScanRun::from_output(output)
}

impl ScanRun {
    /// Parses the JSON lines of a finished `cull scan --json`.
    pub fn from_output(output: Output) -> Self {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let lines = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
            .collect();
        ScanRun {
            lines,
            stderr: String::from_utf8_lossy(&output.stderr).to_string(),
            output,
        }
    }
}
