//! Black-box tests of the living library through the real `cull` binary: one library shared with
//! the app, decisions from the command line, the folder watcher, and kills in the middle of a
//! scan or a watch.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cull_tests::{
    cull, cull_bin, encode_jpeg, load_photo, sandbox, scan_json, succeeds, underexpose, Sandbox,
};
use serde_json::Value;

fn good() -> Vec<u8> {
    encode_jpeg(&load_photo("astronaut"), 90).expect("encode")
}

fn dark() -> Vec<u8> {
    encode_jpeg(&underexpose(&load_photo("chelsea_cat"), 3.5), 85).expect("encode")
}

/// `cull` with the library folder `home` (no `--db`), the trash kept in the sandbox.
fn cull_in(home: &Path, s: &Sandbox) -> Command {
    let mut cmd = Command::new(cull_bin());
    cmd.arg("--library")
        .arg(home)
        .arg("--no-model")
        .env("XDG_DATA_HOME", &s.data_home)
        .env_remove("CULL_DB")
        .env_remove("CULL_HOME");
    cmd
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Lines of a child's stdout as they come, on a channel.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let out = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn next_line(lines: &mpsc::Receiver<String>) -> Value {
    let line = lines
        .recv_timeout(Duration::from_secs(30))
        .expect("a line in time");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad JSON line {line:?}: {e}"))
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// "…; 12 from cache, 188 judged in …" from a summary line.
fn cached_and_judged(stderr: &str) -> (usize, usize) {
    let number_before = |word: &str| -> usize {
        let at = stderr
            .find(word)
            .unwrap_or_else(|| panic!("no {word:?} in {stderr}"));
        stderr[..at]
            .split_whitespace()
            .last()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count before {word:?} in {stderr}"))
    };
    (number_before(" from cache"), number_before(" judged in"))
}

/// Writes `n` copies of one dark photo, each made distinct by a few trailing bytes so none is
/// taken for a renamed copy of another.
fn distinct_photos(folder: &Path, prefix: &str, n: usize) {
    let photo = dark();
    for i in 0..n {
        let mut bytes = photo.clone();
        bytes.extend_from_slice(format!("{i:08}").as_bytes());
        std::fs::write(folder.join(format!("{prefix}_{i:04}.JPG")), bytes).expect("write");
    }
}

/// Reads `at_least` lines (within a minute), kills the child with SIGKILL and returns how many
/// lines it had printed in all.
fn kill_after(mut child: Child, lines: &mpsc::Receiver<String>, at_least: usize) -> usize {
    let started = Instant::now();
    let mut printed = 0;
    while printed < at_least && started.elapsed() < Duration::from_secs(60) {
        next_line(lines);
        printed += 1;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    printed + lines.try_iter().count()
}

/// After a kill: the database is sound, and a plain scan finds at least everything that was
/// printed in the cache and judges only the rest. Returns what the scan judged.
fn rescan_after_kill(s: &Sandbox, printed: usize, photos: usize) -> usize {
    assert_eq!(integrity(&s.db), "ok");
    let again = succeeds(
        cull(&s.db, &s.data_home)
            .args(["--no-model", "scan"])
            .arg(&s.library),
    );
    let (cached, judged) = cached_and_judged(&String::from_utf8_lossy(&again.stderr));
    eprintln!("killed after {printed} lines; the rescan found {cached} cached, judged {judged}");
    assert!(cached >= printed, "every printed shot was stored");
    assert_eq!(cached + judged, photos);
    judged
}

fn integrity(db: &Path) -> String {
    rusqlite::Connection::open(db)
        .expect("db")
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}

#[test]
fn mark_records_a_call_that_json_lines_and_clean_honour() {
    let s = sandbox();
    let home = s.root.join("home");
    std::fs::write(s.library.join("good.jpg"), good()).expect("write");
    std::fs::write(s.library.join("dark.jpg"), dark()).expect("write");

    // A photo the library has never seen is judged first, then marked.
    let out = succeeds(
        cull_in(&home, &s)
            .args(["mark", "keep"])
            .arg(s.library.join("dark.jpg")),
    );
    assert!(stdout(&out).starts_with("keep"), "{}", stdout(&out));

    let out = succeeds(cull_in(&home, &s).args(["scan", "--json"]).arg(&s.library));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let line = |name: &str| {
        lines
            .iter()
            .find(|l| l["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .expect("listed")
    };
    assert_eq!(
        line("dark.jpg")["verdict"],
        "reject",
        "Cull's own verdict stays"
    );
    assert_eq!(
        line("dark.jpg")["decision"],
        "keep",
        "the user's call is told"
    );
    assert_eq!(line("good.jpg")["decision"], Value::Null);

    let dry = |s: &Sandbox| {
        stdout(&succeeds(
            cull_in(&home, s)
                .args(["clean", "--dry-run"])
                .arg(&s.library),
        ))
    };
    assert!(
        dry(&s).contains("nothing to clean"),
        "the keep wins over the reject"
    );

    succeeds(
        cull_in(&home, &s)
            .args(["mark", "reject"])
            .arg(s.library.join("good.jpg")),
    );
    succeeds(
        cull_in(&home, &s)
            .args(["mark", "clear"])
            .arg(s.library.join("dark.jpg")),
    );
    let plan = dry(&s);
    assert!(
        plan.contains("good.jpg") && plan.contains("dark.jpg"),
        "the reject is honoured, the cleared shot is Cull's again: {plan}"
    );

    let missing = cull_in(&home, &s)
        .args(["mark", "keep"])
        .arg(s.library.join("nope.jpg"))
        .output()
        .expect("runs");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("does not exist"));
}

/// Regression: the app and the CLI kept two libraries, so decisions made in one were unknown to
/// the other. Both now open `Library::default_home()`.
#[test]
fn the_cli_and_the_engine_the_app_uses_share_one_library() {
    let s = sandbox();
    std::fs::write(s.library.join("dark.jpg"), dark()).expect("write");
    let mut cmd = Command::new(cull_bin());
    cmd.arg("--no-model")
        .args(["mark", "keep"])
        .arg(s.library.join("dark.jpg"))
        .env("XDG_DATA_HOME", &s.data_home)
        .env_remove("CULL_DB")
        .env_remove("CULL_HOME");
    succeeds(&mut cmd);
    let home = s.data_home.join("cull");
    assert!(home.join("library.db").is_file(), "the default library");

    // What the app opens (it calls the same `Library::default_home`, which reads the same
    // data folder) sees the call made on the command line, and the other way round.
    let library = cull_core::Library::open(&home).expect("open");
    let shots = library.store().all_shots().expect("shots");
    assert_eq!(shots.len(), 1);
    assert_eq!(shots[0].decision, Some(cull_core::Decision::Keep));
    library
        .store()
        .set_decision(&shots[0].report.key, Some(cull_core::Decision::Reject))
        .expect("the app decides");
    let out = succeeds(cull_in(&home, &s).args(["scan", "--json"]).arg(&s.library));
    assert!(
        stdout(&out).contains(r#""decision":"reject""#),
        "{}",
        stdout(&out)
    );
}

#[test]
fn watch_judges_what_is_there_then_each_arrival_and_ends_cleanly_on_sigterm() {
    let s = sandbox();
    let home = s.root.join("home");
    std::fs::write(s.library.join("first.jpg"), good()).expect("write");
    let mut watch = cull_in(&home, &s)
        .args(["watch", "--json", "--quiet", "0.3"])
        .arg(&s.library)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let lines = lines_of(&mut watch);
    let first = next_line(&lines);
    assert!(first["path"].as_str().expect("path").ends_with("first.jpg"));
    assert_eq!(first["decision"], Value::Null);
    assert!(
        first["verdict"].is_string(),
        "the same object as scan --json"
    );

    // Written elsewhere and moved in, as an import tool does, and copied in place, as a file
    // manager does.
    std::fs::write(s.root.join("incoming.jpg"), dark()).expect("write");
    std::fs::rename(s.root.join("incoming.jpg"), s.library.join("dark.jpg")).expect("move in");
    std::fs::copy(s.library.join("first.jpg"), s.library.join("copy.jpg")).expect("copy");
    // Three lines: the two arrivals, and the first photo again, now that the copy joined it (a
    // line is the shot's latest state, its group included).
    let mut arrived: Vec<(String, Value)> = (0..3)
        .map(|_| {
            let line = next_line(&lines);
            let name = line["path"].as_str().expect("path").to_string();
            (name, line["group"].clone())
        })
        .collect();
    arrived.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<&str> = arrived
        .iter()
        .map(|(p, _)| p.rsplit('/').next().unwrap_or(""))
        .collect();
    assert_eq!(names, ["copy.jpg", "dark.jpg", "first.jpg"], "{arrived:?}");
    assert_eq!(arrived[1].1, Value::Null, "the dark photo is alone");
    for (_, group) in [&arrived[0], &arrived[2]] {
        assert_eq!(group["kind"], "duplicate", "{arrived:?}");
        assert_eq!(group["size"], 2);
        assert_eq!(group["id"], arrived[0].1["id"]);
    }

    signal(&watch, "TERM");
    let out = watch.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "a clean end: {stderr}");
    assert!(
        stderr.contains("stopped watching: 3 shots judged"),
        "{stderr}"
    );
    // Everything it printed is stored: a scan decodes nothing.
    let again = succeeds(cull_in(&home, &s).arg("scan").arg(&s.library));
    assert_eq!(
        cached_and_judged(&String::from_utf8_lossy(&again.stderr)),
        (3, 0)
    );
}

/// A scan killed with SIGKILL loses nothing it stored, leaves a sound database, and the next
/// scan judges only what the first had not finished. (`scan --json` prints once the scan has
/// grouped what it judged, so the kill is timed by the database, not by printed lines.)
#[test]
fn a_scan_killed_half_way_resumes_without_judging_finished_photos() {
    const PHOTOS: usize = 160;
    let s = sandbox();
    distinct_photos(&s.library, "IMG", PHOTOS);
    let scan = cull(&s.db, &s.data_home)
        .args(["--no-model", "scan", "--json", "--threads", "1"])
        .arg(&s.library)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let stored = kill_when_stored(scan, &s.db, 20);
    assert!(stored < PHOTOS, "killed half-way ({stored} of {PHOTOS})");
    let judged = rescan_after_kill(&s, stored, PHOTOS);
    assert!(judged > 0 && judged <= PHOTOS - stored);
}

/// Kills `child` with SIGKILL once the database at `db` holds `at_least` judged shots; returns
/// how many it held just before.
fn kill_when_stored(mut child: Child, db: &Path, at_least: usize) -> usize {
    let started = Instant::now();
    let count = || -> usize {
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM shots", [], |r| r.get::<_, i64>(0)))
            .map_or(0, |n| usize::try_from(n).unwrap_or(0))
    };
    let mut stored = 0;
    while stored < at_least && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
        stored = count();
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    stored
}

/// The watcher killed in the middle of a large import: what it printed is stored, the database
/// is sound, and a scan afterwards judges the rest.
#[test]
fn a_watch_killed_during_an_import_loses_nothing_it_told() {
    const PHOTOS: usize = 120;
    let s = sandbox();
    let mut watch = cull(&s.db, &s.data_home)
        .args([
            "--no-model",
            "watch",
            "--json",
            "--quiet",
            "0.2",
            "--threads",
            "1",
        ])
        .arg(&s.library)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let lines = lines_of(&mut watch);
    // Give the watcher a moment to start listening, then import.
    std::thread::sleep(Duration::from_millis(500));
    distinct_photos(&s.library, "IMP", PHOTOS);
    let printed = kill_after(watch, &lines, 10);
    rescan_after_kill(&s, printed, PHOTOS);
}

#[test]
fn scan_json_of_the_library_has_a_decision_field_on_every_line() {
    let s = sandbox();
    std::fs::write(s.library.join("a.jpg"), good()).expect("write");
    std::fs::write(s.library.join("empty.jpg"), b"").expect("write");
    let run = scan_json(&s.db, &s.data_home, &[&s.library]);
    assert_eq!(run.lines.len(), 2);
    for line in &run.lines {
        assert!(line.get("decision").is_some_and(Value::is_null), "{line}");
    }
}
