//! The SQLite cache of verdicts, the user's own decisions, and the log of clean-ups that makes
//! every move to the trash undoable.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::groups::{GroupInput, GroupKind, ShotGroup};
use crate::scan::ShotReport;

/// The database layout this build writes; older layouts are migrated step by step on open
/// (see [`Store::init`]), a newer one is refused rather than misread.
const SCHEMA_VERSION: i64 = 7;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS shots (
    key         TEXT PRIMARY KEY,
    id          INTEGER NOT NULL UNIQUE,
    path        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    verdict     TEXT,
    score       REAL,
    report      TEXT NOT NULL,
    judged_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS shots_by_verdict ON shots(verdict);
CREATE TABLE IF NOT EXISTS thumbnails (
    key  TEXT PRIMARY KEY,
    jpeg BLOB NOT NULL
);
-- The learned model's embedding of each judged shot (little-endian f32), for bursts and duplicates.
CREATE TABLE IF NOT EXISTS embeddings (
    key    TEXT PRIMARY KEY,
    model  TEXT NOT NULL,
    vector BLOB NOT NULL
);
-- Bursts, duplicates and brackets (`crate::groups`), rebuilt from the other tables whenever
-- shots arrive or leave: one row per grouped shot, none for a shot alone.
CREATE TABLE IF NOT EXISTS shot_groups (
    key      TEXT PRIMARY KEY,
    group_id INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    rank     INTEGER NOT NULL,
    best     INTEGER NOT NULL,
    size     INTEGER NOT NULL,
    why      TEXT
);
CREATE INDEX IF NOT EXISTS shot_groups_by_group ON shot_groups(group_id);
-- Work the store owes itself across runs ('regroup' = 'all': group every shot next time).
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    key        TEXT PRIMARY KEY,
    decision   TEXT NOT NULL CHECK (decision IN ('keep', 'reject')),
    decided_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cleanups (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at INTEGER NOT NULL,
    undone_at  INTEGER
);
CREATE TABLE IF NOT EXISTS trashed (
    cleanup_id INTEGER NOT NULL REFERENCES cleanups(id),
    path       TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    restored   INTEGER NOT NULL DEFAULT 0,
    -- 'pending' is written before the file is moved, 'moved' once the trash has it: a clean-up
    -- killed half-way still knows every file it may have moved.
    state      TEXT NOT NULL DEFAULT 'moved' CHECK (state IN ('pending', 'moved'))
);
";

/// An embedding as the `embeddings` table stores it: little-endian f32s.
fn vector_from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// The keys of shots in `folder` or below, as a range: keys start with the folder (see
/// `library::group_into_shots`), so the primary-key index answers without a scan.
fn key_range(folder: &Path) -> (String, String) {
    let folder = folder.display().to_string();
    let folder = folder.trim_end_matches('/');
    (format!("{folder}/"), format!("{folder}0"))
}

/// The tables that hold one row per shot key (decisions live apart: they outlast the rows).
const SHOT_TABLES: [&str; 4] = ["shots", "thumbnails", "embeddings", "shot_groups"];

/// Moves `old`'s row, thumbnail and embedding to `new` (replacing whatever `new` had), with the id
/// that goes with `new`.
fn move_rows(conn: &Connection, old: &str, new: &str) -> Result<()> {
    drop_rows(conn, new)?;
    for table in SHOT_TABLES {
        conn.execute(
            &format!("UPDATE {table} SET key = ?2 WHERE key = ?1"),
            params![old, new],
        )?;
    }
    conn.execute(
        "UPDATE shots SET id = ?2 WHERE key = ?1",
        params![new, shot_id(new)],
    )?;
    Ok(())
}

/// Deletes a shot's row, thumbnail and embedding; its decision stays.
fn drop_rows(conn: &Connection, key: &str) -> Result<()> {
    for table in SHOT_TABLES {
        conn.execute(&format!("DELETE FROM {table} WHERE key = ?1"), params![key])?;
    }
    Ok(())
}

/// Hands `old`'s decision to `new`, unless `new` has one of its own.
fn move_decision(conn: &Connection, old: &str, new: &str) -> Result<()> {
    conn.execute(
        "UPDATE decisions SET key = ?2 WHERE key = ?1
         AND NOT EXISTS (SELECT 1 FROM decisions WHERE key = ?2)",
        params![old, new],
    )?;
    Ok(())
}

/// Moves everything stored under `old` (row, thumbnail, embedding, decision) to `new`.
fn move_key(conn: &Connection, old: &str, new: &str) -> Result<()> {
    move_rows(conn, old, new)?;
    move_decision(conn, old, new)?;
    conn.execute("DELETE FROM decisions WHERE key = ?1", params![old])?;
    Ok(())
}

/// The schema 4 migration's data: the typed columns of every stored shot, from its report, by the
/// same code that fills them for a fresh verdict.
fn fill_typed_columns(conn: &Connection) -> Result<()> {
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT key, report FROM shots")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare("UPDATE shots SET captured = ?2, camera = ?3 WHERE key = ?1")?;
    for (key, json) in rows {
        let report: ShotReport = serde_json::from_str(&json)?;
        let exif = report.judged().map(|j| &j.exif);
        update.execute(params![
            key,
            exif.and_then(crate::media::ExifInfo::captured_at),
            exif.and_then(|e| e.camera.clone())
        ])?;
    }
    Ok(())
}

/// The schema 5 migration: every stored shot to the key of its judged file's path, its decision
/// with it. A decision whose shot is in the trash (a clean-up Undo may bring back) follows the
/// trashed file it was about.
fn rekey_by_path(conn: &Connection) -> Result<()> {
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT key, report FROM shots")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (old, json) in rows {
        let report: ShotReport = serde_json::from_str(&json)?;
        let new = crate::library::shot_key(&report.path);
        if new != old {
            move_key(conn, &old, &new)?;
        }
    }
    let orphans: Vec<String> = conn
        .prepare("SELECT key FROM decisions WHERE key NOT IN (SELECT key FROM shots)")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if orphans.is_empty() {
        return Ok(());
    }
    let trashed: Vec<PathBuf> = conn
        .prepare("SELECT DISTINCT path FROM trashed")?
        .query_map([], |r| {
            Ok(match r.get_ref(0)? {
                rusqlite::types::ValueRef::Blob(b) => crate::paths::from_bytes(b),
                other => PathBuf::from(other.as_str()?),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    for old in orphans {
        // `folder/stem#path` named a second rendered file by its path already.
        let new = match old.split_once('#') {
            Some((_, path)) => Some(path.to_string()),
            None => {
                let mut files: Vec<&PathBuf> = trashed
                    .iter()
                    .filter(|p| crate::library::legacy_key(p) == old)
                    .collect();
                // The rendered file is the one judged; a RAW only when alone.
                files.sort_by_key(|p| {
                    crate::library::FileKind::from_path(p) == Some(crate::library::FileKind::Raw)
                });
                files.first().map(|p| crate::library::shot_key(p))
            }
        };
        if let Some(new) = new.filter(|n| *n != old) {
            move_key(conn, &old, &new)?;
        }
    }
    Ok(())
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    Ok(conn
        .prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
        .exists(params![table, column])?)
}

/// A freshly judged shot on its way into the store.
#[derive(Debug, Clone)]
pub struct Fresh {
    pub key: String,
    /// The cache fingerprint (analyser + each file's path, size and time).
    pub fingerprint: String,
    /// The primary file's content signature ([`crate::scan::content_signature`]), when read.
    pub content: Option<i64>,
    pub report: ShotReport,
}

/// A user's call on a shot; it always wins over Cull's verdict.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Keep,
    Reject,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Reject => "reject",
        }
    }
}

fn parse_decision(text: &str) -> Option<Decision> {
    match text {
        "keep" => Some(Decision::Keep),
        "reject" => Some(Decision::Reject),
        _ => None,
    }
}

/// A shot's id for the outside world (the app's grid, image URLs): a 53-bit FNV-1a hash of its
/// key, so it is known before the shot is stored, stays the same across re-judging and fits a
/// JavaScript number exactly.
pub fn shot_id(key: &str) -> i64 {
    i64::try_from(fnv1a_53(key)).unwrap_or(0)
}

/// A 53-bit FNV-1a hash: stable across runs and exact as a JavaScript number.
pub(crate) fn fnv1a_53(text: &str) -> u64 {
    let mut hash = Fnv1a::new();
    hash.write(text.as_bytes());
    hash.finish() & ((1 << 53) - 1)
}

/// 64-bit FNV-1a, fed in pieces: stable across runs and platforms (unlike `std`'s hashers).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv1a(u64);

impl Fnv1a {
    pub(crate) fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub(crate) fn finish(self) -> u64 {
        self.0
    }
}

/// A stored shot with its id (see [`shot_id`]), the user's decision and its group.
#[derive(Debug, Clone)]
pub struct StoredShot {
    pub id: i64,
    pub report: ShotReport,
    pub decision: Option<Decision>,
    /// The burst, duplicate set or bracket it belongs to; `None` when it is alone.
    pub group: Option<ShotGroup>,
}

/// Shots this close in time to a changed shot (same camera) may have gained or lost a group mate
/// through it: a link reaches [`crate::groups::BURST_LOOKBACK`] shots of at most
/// [`crate::groups::BURST_GAP_SECS`] apart, 16 s at most.
const REGROUP_WINDOW_SECS: f64 = 60.0;

/// Changed shots beyond this share of the library are regrouped with everything (a whole-library
/// pass costs about as much as gathering the neighbours of that many).
const REGROUP_ALL_SHARE: usize = 4;

/// One judged shot as the regrouping first sees it: enough to find neighbours, nothing heavy.
struct GroupIndexRow {
    key: String,
    time: Option<f64>,
    camera: Option<String>,
    dhash: Option<u64>,
}

fn group_row(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Option<ShotGroup>> {
    let id: Option<i64> = r.get(first)?;
    let Some(id) = id else { return Ok(None) };
    let kind: String = r.get(first + 1)?;
    let Some(kind) = GroupKind::from_name(&kind) else {
        return Ok(None);
    };
    Ok(Some(ShotGroup {
        id,
        kind,
        rank: usize::try_from(r.get::<_, i64>(first + 2)?).unwrap_or(0),
        best: r.get::<_, i64>(first + 3)? != 0,
        size: usize::try_from(r.get::<_, i64>(first + 4)?).unwrap_or(0),
        why: r.get(first + 5)?,
    }))
}

/// One clean-up as recorded.
#[derive(Debug, Clone)]
pub struct CleanupRecord {
    pub id: i64,
    pub created_at: i64,
    pub files: Vec<(PathBuf, u64)>,
    /// Files journaled but never confirmed in the trash: the clean-up was cut off around their
    /// move, so each is either in the trash or still in place.
    pub unconfirmed: Vec<PathBuf>,
}

#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Store {
    /// Opens (creating if needed) the database at `path`, in WAL mode so the app can read while a
    /// scan writes.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::NewerLibrary {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        // The base tables (as of schema 2), then each later step once, all in one transaction:
        // a migration cut off by a crash leaves the old layout, never half of the new one.
        let tx = conn.transaction()?;
        tx.execute_batch(SCHEMA)?;
        // Schema 3 journals clean-ups: databases from before it get the column, their rows moved.
        if !has_column(&tx, "trashed", "state")? {
            tx.execute_batch(
                "ALTER TABLE trashed ADD COLUMN state TEXT NOT NULL DEFAULT 'moved'
                 CHECK (state IN ('pending', 'moved'))",
            )?;
        }
        // Schema 4: typed columns for what queries sort and group by, and the content signature
        // that lets a renamed or moved photo keep its verdict and decision.
        if !has_column(&tx, "shots", "content")? {
            tx.execute_batch(
                "ALTER TABLE shots ADD COLUMN content INTEGER;
                 ALTER TABLE shots ADD COLUMN captured TEXT;
                 ALTER TABLE shots ADD COLUMN camera TEXT;",
            )?;
            fill_typed_columns(&tx)?;
        }
        tx.execute_batch(
            "CREATE INDEX IF NOT EXISTS shots_by_content ON shots(content);
             CREATE INDEX IF NOT EXISTS shots_by_captured ON shots(captured);",
        )?;
        // Schema 5: a shot's key is its judged file's path (it was folder + stem, which whichever
        // sibling ranked first owned).
        if version < 5 {
            rekey_by_path(&tx)?;
        }
        // Schema 6: what grouping compares beyond the embedding (filled as shots are judged).
        if !has_column(&tx, "shots", "dhash")? {
            tx.execute_batch(
                "ALTER TABLE shots ADD COLUMN dhash INTEGER;
                 ALTER TABLE shots ADD COLUMN focus_px REAL;",
            )?;
        }
        // Schema 7: where each frame's focus lies (focus stacks), beside the group table.
        if !has_column(&tx, "shots", "focus_x")? {
            tx.execute_batch(
                "ALTER TABLE shots ADD COLUMN focus_x REAL;
                 ALTER TABLE shots ADD COLUMN focus_y REAL;",
            )?;
        }
        if version < SCHEMA_VERSION {
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        // Schema 7 groups the library: a library from before it is grouped whole by the next
        // regrouping (the end of the next scan, with its progress), not here — opening must
        // stay instant, and grouping 100 000 shots takes seconds to minutes.
        if (1..7).contains(&version) {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('regroup', 'all')",
                [],
            )?;
        }
        tx.commit()?;
        Ok(Self { conn })
    }

    /// Writes a consistent copy of the whole database to `path` (which must not exist).
    pub fn copy_to(&self, path: &Path) -> Result<()> {
        self.conn
            .execute("VACUUM INTO ?1", params![path.to_string_lossy()])?;
        Ok(())
    }

    /// The cached report for a shot, if its files and the analyser are unchanged.
    pub fn cached(&self, key: &str, fingerprint: &str) -> Result<Option<ShotReport>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT report FROM shots WHERE key = ?1 AND fingerprint = ?2",
                params![key, fingerprint],
                |r| r.get(0),
            )
            .optional()?;
        let report: Option<ShotReport> = json.map(|j| serde_json::from_str(&j)).transpose()?;
        Ok(report.map(|r| ShotReport {
            key: key.to_string(),
            version: crate::scan::version_of(fingerprint),
            bytes: crate::scan::bytes_of(fingerprint),
            ..r
        }))
    }

    /// Saves freshly judged shots in one transaction.
    pub fn save(&mut self, shots: &[Fresh]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO shots (key, path, fingerprint, verdict, score, report, judged_at, id,
                   content, captured, camera, dhash, focus_px, focus_x, focus_y)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                 ON CONFLICT(key) DO UPDATE SET path = excluded.path,
                   fingerprint = excluded.fingerprint, verdict = excluded.verdict,
                   score = excluded.score, report = excluded.report, judged_at = excluded.judged_at,
                   content = excluded.content, captured = excluded.captured,
                   camera = excluded.camera, dhash = excluded.dhash, focus_px = excluded.focus_px,
                   focus_x = excluded.focus_x, focus_y = excluded.focus_y",
            )?;
            let now = now_secs();
            let mut thumb = tx.prepare_cached(
                "INSERT INTO thumbnails (key, jpeg) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET jpeg = excluded.jpeg",
            )?;
            let mut embed = tx.prepare_cached(
                "INSERT INTO embeddings (key, model, vector) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET model = excluded.model, vector = excluded.vector",
            )?;
            for Fresh {
                key,
                fingerprint,
                content,
                report,
            } in shots
            {
                if let Some(jpeg) = &report.thumbnail {
                    thumb.execute(params![key, jpeg])?;
                }
                let model = report.judged().and_then(|j| j.model.as_ref());
                if let (Some(vector), Some(model)) = (&report.embedding, model) {
                    let bytes: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
                    embed.execute(params![
                        key,
                        format!("{}-{}", model.name, model.version),
                        bytes
                    ])?;
                }
                let judged = report.judged();
                insert.execute(params![
                    key,
                    report.path.to_string_lossy(),
                    fingerprint,
                    judged.map(|j| j.verdict.as_str()),
                    judged.map(|j| f64::from(j.score)),
                    serde_json::to_string(report)?,
                    now,
                    shot_id(key),
                    content,
                    judged.and_then(|j| j.exif.captured_at()),
                    judged.and_then(|j| j.exif.camera.clone()),
                    // SQLite integers are signed: the hash's bits, as they are.
                    report.likeness.map(|l| l.dhash as i64),
                    report.likeness.and_then(|l| l.focus_px).map(f64::from),
                    report
                        .likeness
                        .and_then(|l| l.focus_at)
                        .map(|a| f64::from(a[0])),
                    report
                        .likeness
                        .and_then(|l| l.focus_at)
                        .map(|a| f64::from(a[1])),
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A shot that arrived under a new name with the content of a stored shot whose files are all
    /// gone is that shot, renamed or moved: its row, thumbnail, embedding and the user's decision
    /// move to the new key. When the stored verdict was made by this `analyser`, it is reused (no
    /// decoding) and returned; otherwise only the decision moves and the shot is judged anew.
    pub fn adopt(
        &mut self,
        content: i64,
        shot: &crate::library::Shot,
        fingerprint: &str,
        analyser: &str,
    ) -> Result<Option<ShotReport>> {
        let candidates: Vec<(String, String, String)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT key, fingerprint, report FROM shots WHERE content = ?1 AND key != ?2",
            )?;
            let rows = stmt.query_map(params![content, shot.key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (old_key, old_fingerprint, json) in candidates {
            let old: ShotReport = serde_json::from_str(&json)?;
            if !old.files_gone() {
                // A copy, not a move: the original is still there (duplicates are another matter).
                continue;
            }
            let tx = self.conn.transaction()?;
            move_decision(&tx, &old_key, &shot.key)?;
            let same_analyser = old_fingerprint.split('|').next() == Some(analyser);
            let adopted = if same_analyser {
                let report = ShotReport {
                    key: shot.key.clone(),
                    path: shot.primary.path.clone(),
                    files: shot.files().map(|f| f.path.clone()).collect(),
                    version: crate::scan::version_of(fingerprint),
                    bytes: crate::scan::bytes_of(fingerprint),
                    ..old
                };
                move_rows(&tx, &old_key, &shot.key)?;
                tx.execute(
                    "UPDATE shots SET path = ?2, fingerprint = ?3, report = ?4, judged_at = ?5
                     WHERE key = ?1",
                    params![
                        shot.key,
                        report.path.to_string_lossy(),
                        fingerprint,
                        serde_json::to_string(&report)?,
                        now_secs()
                    ],
                )?;
                Some(report)
            } else {
                None
            };
            tx.commit()?;
            return Ok(adopted);
        }
        Ok(None)
    }

    /// A file that was a shot of its own (a lone RAW) has become part of shot `into` (its JPEG
    /// arrived): its decision moves to `into` unless that has one, and its row goes, so no ghost
    /// of it stays in the grid.
    pub fn absorb(&mut self, file_key: &str, into: &str) -> Result<()> {
        if file_key == into {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        move_decision(&tx, file_key, into)?;
        drop_rows(&tx, file_key)?;
        tx.commit()?;
        Ok(())
    }

    /// The keys of every stored shot in `folder` or below it (cheap: the key index alone).
    pub fn keys_under(&self, folder: &Path) -> Result<Vec<String>> {
        let (prefix, end) = key_range(folder);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key FROM shots WHERE key >= ?1 AND key < ?2")?;
        let rows = stmt.query_map(params![prefix, end], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The model's embedding of a shot, if a model judged it.
    pub fn embedding(&self, id: i64) -> Result<Option<Vec<f32>>> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT e.vector FROM embeddings e JOIN shots s ON s.key = e.key WHERE s.id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(bytes.as_deref().map(vector_from_bytes))
    }

    /// What [`crate::groups::group`] needs of every judged shot: capture time, camera, the
    /// embedding and hash, exposure, focus, faces and score. Shots judged before the hash was
    /// stored have none (the next scan that judges them again fills it).
    pub fn group_inputs(&self) -> Result<Vec<GroupInput>> {
        Ok(self
            .group_inputs_where("", [])?
            .into_iter()
            .map(|(_, input)| input)
            .collect())
    }

    fn group_inputs_where<P: rusqlite::Params>(
        &self,
        filter: &str,
        params: P,
    ) -> Result<Vec<(String, GroupInput)>> {
        let sql = format!(
            "SELECT s.id, s.path, s.captured, s.camera, s.dhash, s.focus_px, s.report, e.vector,
                    s.key, s.focus_x, s.focus_y
             FROM shots s LEFT JOIN embeddings e ON e.key = s.key
             WHERE s.verdict IS NOT NULL {filter} ORDER BY s.rowid"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<f64>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<Vec<u8>>>(7)?,
                r.get::<_, String>(8)?,
                match (r.get::<_, Option<f64>>(9)?, r.get::<_, Option<f64>>(10)?) {
                    (Some(x), Some(y)) => Some([x as f32, y as f32]),
                    _ => None,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, path, captured, camera, dhash, focus_px, json, vector, key, focus_at) = row?;
            let report: ShotReport = serde_json::from_str(&json)?;
            let Some(judged) = report.judged() else {
                continue;
            };
            let face_px = judged
                .faces
                .iter()
                .filter_map(|f| f.edge_px)
                .fold(None, |best: Option<f32>, e| {
                    Some(best.map_or(e, |b| b.min(e)))
                });
            let input = GroupInput {
                id,
                name: Path::new(&path)
                    .file_name()
                    .map_or_else(|| path.clone(), |s| s.to_string_lossy().into_owned()),
                time: captured.as_deref().and_then(crate::groups::capture_seconds),
                // The store writes hundredths only when the camera recorded them.
                subsec: captured.as_deref().is_some_and(|c| c.contains('.')),
                camera,
                embedding: vector.as_deref().map(vector_from_bytes),
                dhash: dhash.map(|h| h as u64),
                exposure_bias: judged.exif.exposure_bias.map(|v| v as f32),
                exposure_time: judged.exif.exposure_time.map(|v| v as f32),
                // The subject is the sharpest face when there is one, else the frame's sharpest
                // region.
                subject_edge_px: face_px.or(focus_px.map(|p| p as f32)),
                focus_at,
                closed_eyes: judged
                    .faces
                    .iter()
                    .filter(|f| f.eyes == crate::model::Eyes::Closed)
                    .count(),
                score: judged.score,
                pixels: u64::from(judged.width) * u64::from(judged.height),
            };
            out.push((key, input));
        }
        Ok(out)
    }

    /// Groups the library's bursts, duplicates and brackets again and stores the result.
    /// `None` regroups every shot; `Some(keys)` only what the change of those shots (judged,
    /// renamed or forgotten) can have moved: those shots, the same camera's shots within a minute
    /// of them, the shots whose hash shares a band with theirs, and every member of the groups
    /// all these are in (a group is always regrouped whole). A library from before groups were
    /// stored is grouped whole at its first regrouping, whatever changed. Returns how many groups
    /// it wrote.
    pub fn regroup(&mut self, around: Option<&[String]>) -> Result<usize> {
        let owed: bool = self
            .conn
            .prepare_cached("SELECT 1 FROM meta WHERE key = 'regroup' AND value = 'all'")?
            .exists([])?;
        let keys = match around {
            _ if owed => None,
            Some([]) => return Ok(0),
            Some(changed) => self.regroup_candidates(changed)?,
            None => None,
        };
        let inputs = match &keys {
            None => self.group_inputs_where("", [])?,
            Some(keys) => {
                let mut inputs = Vec::with_capacity(keys.len());
                for key in keys {
                    inputs.extend(self.group_inputs_where("AND s.key = ?1", [key])?);
                }
                inputs
            }
        };
        let key_of: std::collections::HashMap<i64, &str> = inputs
            .iter()
            .map(|(key, input)| (input.id, key.as_str()))
            .collect();
        let plain: Vec<GroupInput> = inputs.iter().map(|(_, i)| i.clone()).collect();
        // Sweeps are told by how neighbouring frames' thumbnails overlap: read only for the few
        // neighbours that may be one (see `groups::group_with`), each at most once.
        let mut thumbs: std::collections::HashMap<i64, Option<image::GrayImage>> =
            std::collections::HashMap::new();
        let mut grey = |id: i64| -> Option<image::GrayImage> {
            thumbs
                .entry(id)
                .or_insert_with(|| {
                    let jpeg = self.thumbnail(id).ok().flatten()?;
                    Some(image::load_from_memory(&jpeg).ok()?.to_luma8())
                })
                .clone()
        };
        let groups = crate::groups::group_with(&plain, &mut |a, b| {
            crate::groups::pan_overlap(&grey(a.id)?, &grey(b.id)?)
        });
        let tx = self.conn.transaction()?;
        match &keys {
            None => {
                tx.execute("DELETE FROM shot_groups", [])?;
            }
            Some(keys) => {
                let mut delete = tx.prepare_cached("DELETE FROM shot_groups WHERE key = ?1")?;
                for key in keys {
                    delete.execute([key])?;
                }
            }
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO shot_groups (key, group_id, kind, rank, best, size, why)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(key) DO UPDATE SET group_id = excluded.group_id,
                   kind = excluded.kind, rank = excluded.rank, best = excluded.best,
                   size = excluded.size, why = excluded.why",
            )?;
            for g in &groups {
                let id = g.members.iter().map(|m| m.id).min().unwrap_or(0);
                for m in &g.members {
                    let Some(key) = key_of.get(&m.id) else {
                        continue;
                    };
                    insert.execute(params![
                        key,
                        id,
                        g.kind.as_str(),
                        i64::try_from(m.rank).unwrap_or(i64::MAX),
                        m.best,
                        i64::try_from(g.members.len()).unwrap_or(i64::MAX),
                        m.why,
                    ])?;
                }
            }
        }
        if keys.is_none() {
            tx.execute("DELETE FROM meta WHERE key = 'regroup'", [])?;
        }
        tx.commit()?;
        Ok(groups.len())
    }

    /// The keys [`Self::regroup`] must look at again after `changed` changed; `None` when that
    /// is most of the library anyway.
    fn regroup_candidates(&self, changed: &[String]) -> Result<Option<Vec<String>>> {
        let index: Vec<GroupIndexRow> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT key, captured, camera, dhash FROM shots WHERE verdict IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(GroupIndexRow {
                    key: r.get(0)?,
                    time: r
                        .get::<_, Option<String>>(1)?
                        .as_deref()
                        .and_then(crate::groups::capture_seconds),
                    camera: r.get(2)?,
                    dhash: r.get::<_, Option<i64>>(3)?.map(|h| h as u64),
                })
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if changed.len().saturating_mul(REGROUP_ALL_SHARE) >= index.len() {
            return Ok(None);
        }
        let changed: std::collections::HashSet<&str> = changed.iter().map(String::as_str).collect();
        let mut by_time: Vec<&GroupIndexRow> = index.iter().filter(|r| r.time.is_some()).collect();
        by_time.sort_by(|a, b| {
            a.camera
                .cmp(&b.camera)
                .then(a.time.unwrap_or(0.0).total_cmp(&b.time.unwrap_or(0.0)))
        });
        let mut bands: std::collections::HashMap<(u32, u16), Vec<&str>> =
            std::collections::HashMap::new();
        for row in &index {
            for band in 0..4u32 {
                if let Some(h) = row.dhash {
                    bands
                        .entry((band, (h >> (16 * band)) as u16))
                        .or_default()
                        .push(&row.key);
                }
            }
        }
        let mut wanted: std::collections::BTreeSet<String> =
            changed.iter().map(|k| (*k).to_string()).collect();
        for row in index.iter().filter(|r| changed.contains(r.key.as_str())) {
            if let Some(t) = row.time {
                let start = by_time.partition_point(|o| {
                    (&o.camera, o.time.unwrap_or(0.0)) < (&row.camera, t - REGROUP_WINDOW_SECS)
                });
                for other in &by_time[start..] {
                    if other.camera != row.camera
                        || other.time.unwrap_or(0.0) > t + REGROUP_WINDOW_SECS
                    {
                        break;
                    }
                    wanted.insert(other.key.clone());
                }
            }
            // As the grouping looks copies up: each band as it is and with one bit flipped.
            if let Some(h) = row.dhash {
                for band in 0..4u32 {
                    let key = (h >> (16 * band)) as u16;
                    for probe in std::iter::once(key).chain((0..16).map(|bit| key ^ (1 << bit))) {
                        // A crowded band is a flat frame pattern; the grouping skips it too.
                        if let Some(keys) = bands
                            .get(&(band, probe))
                            .filter(|k| k.len() <= crate::groups::MAX_BAND_BUCKET)
                        {
                            wanted.extend(keys.iter().map(|k| (*k).to_string()));
                        }
                    }
                }
            }
        }
        // Whole groups: a shot's mates regroup with it, whatever brought it in.
        let mut with_mates = self.group_mates(wanted.iter())?;
        with_mates.extend(wanted);
        Ok(Some(with_mates.into_iter().collect()))
    }

    /// The shots of group `group_id`, best (or, in a bracket, darkest) first.
    pub fn group_members(&self, group_id: i64) -> Result<Vec<StoredShot>> {
        let mut shots = self.query_shots("WHERE g.group_id = ?1", [group_id])?;
        shots.sort_by_key(|s| s.group.as_ref().map_or(usize::MAX, |g| g.rank));
        Ok(shots)
    }

    /// The keys of every shot in the same group as one of `keys` (those keys included when
    /// they are grouped).
    fn group_mates<'a>(
        &self,
        keys: impl Iterator<Item = &'a String>,
    ) -> Result<std::collections::BTreeSet<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key FROM shot_groups WHERE group_id IN
               (SELECT group_id FROM shot_groups WHERE key = ?1)",
        )?;
        let mut mates = std::collections::BTreeSet::new();
        for key in keys {
            for mate in stmt.query_map([key], |r| r.get::<_, String>(0))? {
                mates.insert(mate?);
            }
        }
        Ok(mates)
    }

    /// Every grouped shot's group, by shot key.
    pub fn groups(&self) -> Result<std::collections::HashMap<String, ShotGroup>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, group_id, kind, rank, best, size, why FROM shot_groups")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, group_row(r, 1)?)))?;
        let mut map = std::collections::HashMap::new();
        for row in rows {
            if let (key, Some(group)) = row? {
                map.insert(key, group);
            }
        }
        Ok(map)
    }

    /// Every stored shot, oldest first, with decisions.
    pub fn all_shots(&self) -> Result<Vec<StoredShot>> {
        self.query_shots("", [])
    }

    /// Every stored shot in `folder` or below it.
    pub fn shots_under(&self, folder: &Path) -> Result<Vec<StoredShot>> {
        let (prefix, end) = key_range(folder);
        self.query_shots("WHERE s.key >= ?1 AND s.key < ?2", params![prefix, end])
    }

    /// Whether a shot is stored under `key` (without reading its report).
    pub fn has_shot(&self, key: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM shots WHERE key = ?1")?
            .exists(params![key])?)
    }

    pub fn shot_by_key(&self, key: &str) -> Result<Option<StoredShot>> {
        Ok(self
            .query_shots("WHERE s.key = ?1", [key])?
            .into_iter()
            .next())
    }

    pub fn shot(&self, id: i64) -> Result<Option<StoredShot>> {
        Ok(self
            .query_shots("WHERE s.id = ?1", [id])?
            .into_iter()
            .next())
    }

    fn query_shots<P: rusqlite::Params>(&self, filter: &str, params: P) -> Result<Vec<StoredShot>> {
        let sql = format!(
            "SELECT s.id, s.key, s.report, d.decision, s.fingerprint,
                    g.group_id, g.kind, g.rank, g.best, g.size, g.why
             FROM shots s LEFT JOIN decisions d ON d.key = s.key
             LEFT JOIN shot_groups g ON g.key = s.key {filter} ORDER BY s.rowid"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                group_row(r, 5)?,
            ))
        })?;
        let mut shots = Vec::new();
        for row in rows {
            let (id, key, json, decision, fingerprint, group) = row?;
            let report: ShotReport = serde_json::from_str(&json)?;
            shots.push(StoredShot {
                id,
                report: ShotReport {
                    key,
                    version: crate::scan::version_of(&fingerprint),
                    bytes: crate::scan::bytes_of(&fingerprint),
                    ..report
                },
                decision: decision.as_deref().and_then(parse_decision),
                group,
            });
        }
        Ok(shots)
    }

    pub fn thumbnail(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT t.jpeg FROM thumbnails t JOIN shots s ON s.key = t.key WHERE s.id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Drops shots (and their thumbnails) whose files left the library, e.g. after a clean-up.
    /// Decisions stay, so an undone clean-up finds them again.
    /// Their group mates are regrouped without them.
    pub fn forget(&mut self, keys: &[String]) -> Result<()> {
        let mut mates = self.group_mates(keys.iter())?;
        let tx = self.conn.transaction()?;
        for key in keys {
            drop_rows(&tx, key)?;
            mates.remove(key);
        }
        tx.commit()?;
        let mates: Vec<String> = mates.into_iter().collect();
        self.regroup(Some(&mates))?;
        Ok(())
    }

    /// The same call on many shots in one transaction ("keep the best, reject the rest" over a
    /// whole library writes thousands): all recorded, or none.
    pub fn set_decisions(&mut self, keys: &[String], decision: Option<Decision>) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let now = now_secs();
            let mut set = tx.prepare_cached(
                "INSERT INTO decisions (key, decision, decided_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET decision = excluded.decision,
                   decided_at = excluded.decided_at",
            )?;
            let mut clear = tx.prepare_cached("DELETE FROM decisions WHERE key = ?1")?;
            for key in keys {
                match decision {
                    Some(d) => set.execute(params![key, d.as_str(), now])?,
                    None => clear.execute(params![key])?,
                };
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn set_decision(&self, key: &str, decision: Option<Decision>) -> Result<()> {
        match decision {
            Some(d) => self.conn.execute(
                "INSERT INTO decisions (key, decision, decided_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET decision = excluded.decision,
                   decided_at = excluded.decided_at",
                params![key, d.as_str(), now_secs()],
            )?,
            None => self
                .conn
                .execute("DELETE FROM decisions WHERE key = ?1", params![key])?,
        };
        Ok(())
    }

    /// Every decision, by shot key.
    pub fn decisions(&self) -> Result<std::collections::HashMap<String, Decision>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, decision FROM decisions")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut map = std::collections::HashMap::new();
        for row in rows {
            let (key, text) = row?;
            if let Some(decision) = parse_decision(&text) {
                map.insert(key, decision);
            }
        }
        Ok(map)
    }

    /// A call made in another tool (a sidecar's rating, written at `written`) becomes the
    /// shot's decision, unless the user decided otherwise in Cull since. Returns whether it did.
    pub fn adopt_outside_call(&self, key: &str, call: Decision, written: i64) -> Result<bool> {
        let current: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT decision, decided_at FROM decisions WHERE key = ?1",
                params![key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let adopt = match current {
            None => true,
            Some((decision, decided_at)) => {
                parse_decision(&decision) != Some(call) && written > decided_at
            }
        };
        if adopt {
            self.set_decision(key, Some(call))?;
        }
        Ok(adopt)
    }

    pub fn decision(&self, key: &str) -> Result<Option<Decision>> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT decision FROM decisions WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?;
        Ok(text.as_deref().and_then(parse_decision))
    }

    /// Journals a clean-up before any file moves: every file is written as pending, in one
    /// transaction, so a kill at any later moment leaves a record Undo can work from.
    pub fn begin_cleanup(&mut self, files: &[(PathBuf, u64)]) -> Result<i64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO cleanups (created_at) VALUES (?1)",
            params![now_secs()],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO trashed (cleanup_id, path, bytes, state) VALUES (?1, ?2, ?3, 'pending')",
            )?;
            for (path, bytes) in files {
                // The exact name bytes, so Undo finds a file whose name is not UTF-8.
                insert.execute(params![
                    id,
                    crate::paths::to_bytes(path),
                    i64::try_from(*bytes).unwrap_or(i64::MAX)
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// The trash has this file of the clean-up.
    pub fn mark_moved(&self, cleanup_id: i64, path: &Path) -> Result<()> {
        self.conn.execute(
            "UPDATE trashed SET state = 'moved' WHERE cleanup_id = ?1 AND path = ?2",
            params![cleanup_id, crate::paths::to_bytes(path)],
        )?;
        Ok(())
    }

    /// This file of the clean-up could not be moved and is still where it was.
    pub fn forget_unmoved(&self, cleanup_id: i64, path: &Path) -> Result<()> {
        self.conn.execute(
            "DELETE FROM trashed WHERE cleanup_id = ?1 AND path = ?2 AND state = 'pending'",
            params![cleanup_id, crate::paths::to_bytes(path)],
        )?;
        Ok(())
    }

    /// Drops a clean-up that moved nothing, so Undo does not offer it.
    pub fn drop_if_empty(&self, cleanup_id: i64) -> Result<()> {
        self.conn.execute(
            "DELETE FROM cleanups WHERE id = ?1
             AND NOT EXISTS (SELECT 1 FROM trashed WHERE cleanup_id = ?1)",
            params![cleanup_id],
        )?;
        Ok(())
    }

    /// The newest clean-up not yet undone.
    pub fn last_cleanup(&self) -> Result<Option<CleanupRecord>> {
        let head: Option<(i64, i64)> = self
            .conn
            .query_row(
                "SELECT id, created_at FROM cleanups WHERE undone_at IS NULL
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((id, created_at)) = head else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT path, bytes, state FROM trashed WHERE cleanup_id = ?1 AND restored = 0
             ORDER BY rowid",
        )?;
        let rows = stmt
            .query_map(params![id], |r| {
                let path = match r.get_ref(0)? {
                    rusqlite::types::ValueRef::Blob(b) => crate::paths::from_bytes(b),
                    other => PathBuf::from(other.as_str()?),
                };
                let bytes: i64 = r.get(1)?;
                let state: String = r.get(2)?;
                Ok((path, u64::try_from(bytes).unwrap_or(0), state == "pending"))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let unconfirmed = rows
            .iter()
            .filter(|(_, _, pending)| *pending)
            .map(|(p, _, _)| p.clone())
            .collect();
        let files = rows.into_iter().map(|(p, b, _)| (p, b)).collect();
        Ok(Some(CleanupRecord {
            id,
            created_at,
            files,
            unconfirmed,
        }))
    }

    /// Marks files of a clean-up as restored, and the clean-up as undone once none is left.
    pub fn mark_restored(&mut self, cleanup_id: i64, restored: &[PathBuf]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for path in restored {
            tx.execute(
                // Rows written before schema 3 hold the name as text, later ones as its bytes.
                "UPDATE trashed SET restored = 1 WHERE cleanup_id = ?1 AND (path = ?2 OR path = ?3)",
                params![cleanup_id, crate::paths::to_bytes(path), path.to_string_lossy()],
            )?;
        }
        let left: i64 = tx.query_row(
            "SELECT COUNT(*) FROM trashed WHERE cleanup_id = ?1 AND restored = 0",
            params![cleanup_id],
            |r| r.get(0),
        )?;
        if left == 0 {
            tx.execute(
                "UPDATE cleanups SET undone_at = ?2 WHERE id = ?1",
                params![cleanup_id, now_secs()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database as the release before schema 4 wrote it (`tests/fixtures/libraries`, made by
    /// `cull scan` of that release, with a decision as its app recorded it) opens, migrates and
    /// keeps every verdict and decision.
    #[test]
    fn a_database_written_by_the_schema_3_release_migrates_and_keeps_its_decisions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("library.db");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/libraries/schema-3.db"),
            &db,
        )
        .expect("copy the fixture");
        let store = Store::open(&db).expect("opens and migrates");
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        let integrity: String = store
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(integrity, "ok");
        let shots = store.all_shots().expect("old reports still read");
        assert_eq!(shots.len(), 2);
        let decided: Vec<_> = shots.iter().filter_map(|s| s.decision).collect();
        assert_eq!(decided, vec![Decision::Reject], "the decision survived");
        for shot in &shots {
            // Schema 5 keys shots by their judged file's path.
            assert_eq!(shot.report.key, shot.report.path.display().to_string());
            assert_eq!(shot.id, shot_id(&shot.report.key));
        }
        // The typed columns were filled from the old reports.
        let captured: Vec<Option<String>> = store
            .conn
            .prepare("SELECT captured FROM shots ORDER BY key")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        let expected: Vec<Option<String>> = shots
            .iter()
            .map(|s| s.report.judged().and_then(|j| j.exif.captured_at()))
            .collect();
        assert_eq!(
            captured.iter().flatten().count(),
            expected.iter().flatten().count()
        );
        assert_eq!(captured, expected, "filled by ExifInfo::captured_at itself");
        drop(store);
        // Opening again is a no-op.
        Store::open(&db).expect("reopens");
    }

    /// A decision kept for a shot in the trash follows the file Undo would bring back.
    #[test]
    fn the_key_migration_carries_decisions_of_trashed_shots() {
        let store = Store::open_in_memory().expect("store");
        store
            .conn
            .execute_batch(
                "PRAGMA user_version = 4;
                 INSERT INTO cleanups (created_at) VALUES (1);
                 INSERT INTO trashed (cleanup_id, path, bytes, state) VALUES
                   (1, '/p/IMG_1.CR2', 10, 'moved'), (1, '/p/IMG_1.JPG', 5, 'moved');
                 INSERT INTO decisions (key, decision, decided_at) VALUES
                   ('/p/img_1', 'reject', 1), ('/p/x#/p/x.png', 'keep', 1);",
            )
            .expect("a schema 4 library with a clean-up");
        let Store { conn } = store;
        let store = Store::init(conn).expect("migrates");
        assert_eq!(
            store.decision("/p/IMG_1.JPG").expect("read"),
            Some(Decision::Reject)
        );
        assert_eq!(
            store.decision("/p/x.png").expect("read"),
            Some(Decision::Keep)
        );
        assert_eq!(store.decision("/p/img_1").expect("read"), None);
    }

    #[test]
    fn a_database_from_a_newer_cull_is_refused_not_misread() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("library.db");
        {
            let conn = Connection::open(&db).expect("create");
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .expect("version");
        }
        match Store::open(&db) {
            Err(Error::NewerLibrary { found, known }) => {
                assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION))
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_library_from_before_groups_is_grouped_whole_by_its_next_regrouping() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("library.db");
        drop(Store::open(&db).expect("store"));
        // As schema 6 left it: no group table's debt recorded, an older version number.
        let conn = Connection::open(&db).expect("db");
        conn.execute_batch("DELETE FROM meta; PRAGMA user_version = 6;")
            .expect("downgrade");
        drop(conn);
        let mut store = Store::open(&db).expect("reopens");
        let owed = |s: &Store| {
            s.conn
                .query_row("SELECT COUNT(*) FROM meta WHERE key = 'regroup'", [], |r| {
                    r.get::<_, i64>(0)
                })
                .expect("meta")
        };
        assert_eq!(owed(&store), 1, "opening only notes the debt");
        // Even a scan that judged nothing new regroups, and pays it.
        store.regroup(Some(&[])).expect("regroup");
        assert_eq!(owed(&store), 0);
    }

    #[test]
    fn decisions_on_many_shots_are_set_and_cleared_together() {
        let mut store = Store::open_in_memory().expect("store");
        let keys: Vec<String> = (0..3).map(|i| format!("/lib/IMG_{i}.jpg")).collect();
        store
            .set_decisions(&keys, Some(Decision::Reject))
            .expect("set");
        let all = store.decisions().expect("decisions");
        assert_eq!(all.len(), 3);
        assert!(all.values().all(|d| *d == Decision::Reject));
        store.set_decisions(&keys[..2], None).expect("clear");
        let left: Vec<String> = store.decisions().expect("decisions").into_keys().collect();
        assert_eq!(left, vec![keys[2].clone()]);
    }

    #[test]
    fn decisions_can_be_set_changed_and_cleared() {
        let store = Store::open_in_memory().expect("store");
        assert_eq!(store.decision("k").expect("read"), None);
        store
            .set_decision("k", Some(Decision::Reject))
            .expect("set");
        store
            .set_decision("k", Some(Decision::Keep))
            .expect("change");
        assert_eq!(store.decision("k").expect("read"), Some(Decision::Keep));
        store.set_decision("k", None).expect("clear");
        assert_eq!(store.decision("k").expect("read"), None);
    }

    #[test]
    fn cleanup_is_undone_only_when_every_file_is_restored() {
        let mut store = Store::open_in_memory().expect("store");
        let files = vec![
            (PathBuf::from("/a/1.jpg"), 10),
            (PathBuf::from("/a/1.cr2"), 20),
        ];
        let id = store.begin_cleanup(&files).expect("journal");
        for (path, _) in &files {
            store.mark_moved(id, path).expect("moved");
        }
        store
            .mark_restored(id, &[PathBuf::from("/a/1.jpg")])
            .expect("partial");
        let left = store.last_cleanup().expect("read").expect("still open");
        assert_eq!(left.files, vec![(PathBuf::from("/a/1.cr2"), 20)]);
        assert!(left.unconfirmed.is_empty());
        store
            .mark_restored(id, &[PathBuf::from("/a/1.cr2")])
            .expect("rest");
        assert!(store.last_cleanup().expect("read").is_none());
    }

    /// Regression: the undo record was written after every move, so a clean-up killed half-way
    /// left files in the trash that Undo did not know about.
    #[test]
    fn a_cleanup_cut_off_half_way_still_knows_every_file_it_may_have_moved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("cull.db");
        let files = vec![
            (PathBuf::from("/a/1.jpg"), 10),
            (PathBuf::from("/a/2.jpg"), 20),
            (PathBuf::from("/a/3.jpg"), 30),
        ];
        {
            let mut store = Store::open(&db).expect("store");
            let id = store.begin_cleanup(&files).expect("journal");
            store.mark_moved(id, &files[0].0).expect("moved");
            store.forget_unmoved(id, &files[2].0).expect("failed move");
            // The process dies here, around the move of 2.jpg.
        }
        let store = Store::open(&db).expect("reopen");
        let record = store.last_cleanup().expect("read").expect("recorded");
        assert_eq!(record.files, files[..2].to_vec());
        assert_eq!(record.unconfirmed, vec![PathBuf::from("/a/2.jpg")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_cleanup_keeps_a_name_that_is_not_utf8_exactly() {
        let mut store = Store::open_in_memory().expect("store");
        let odd = crate::paths::from_bytes(b"/a/caf\xe9.jpg");
        let id = store.begin_cleanup(&[(odd.clone(), 7)]).expect("journal");
        store.mark_moved(id, &odd).expect("moved");
        let record = store.last_cleanup().expect("read").expect("recorded");
        assert_eq!(record.files, vec![(odd.clone(), 7)]);
        assert!(record.unconfirmed.is_empty());
        store.mark_restored(id, &[odd]).expect("restored");
        assert!(store.last_cleanup().expect("read").is_none());
    }

    #[test]
    fn a_cleanup_that_moved_nothing_is_not_offered_for_undo() {
        let mut store = Store::open_in_memory().expect("store");
        let id = store
            .begin_cleanup(&[(PathBuf::from("/a/1.jpg"), 10)])
            .expect("journal");
        store
            .forget_unmoved(id, Path::new("/a/1.jpg"))
            .expect("failed move");
        store.drop_if_empty(id).expect("drop");
        assert!(store.last_cleanup().expect("read").is_none());
    }

    #[test]
    fn a_schema_2_database_gets_the_journal_column_and_keeps_its_cleanups() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("old.db");
        {
            let conn = Connection::open(&db).expect("open");
            conn.execute_batch(
                "CREATE TABLE cleanups (id INTEGER PRIMARY KEY AUTOINCREMENT,
                   created_at INTEGER NOT NULL, undone_at INTEGER);
                 CREATE TABLE trashed (cleanup_id INTEGER NOT NULL REFERENCES cleanups(id),
                   path TEXT NOT NULL, bytes INTEGER NOT NULL,
                   restored INTEGER NOT NULL DEFAULT 0);
                 INSERT INTO cleanups (created_at) VALUES (1);
                 INSERT INTO trashed (cleanup_id, path, bytes) VALUES (1, '/a/old.jpg', 5);
                 PRAGMA user_version = 2;",
            )
            .expect("old schema");
        }
        let mut store = Store::open(&db).expect("migrate");
        let record = store.last_cleanup().expect("read").expect("kept");
        assert_eq!(record.files, vec![(PathBuf::from("/a/old.jpg"), 5)]);
        assert!(record.unconfirmed.is_empty());
        store
            .mark_restored(record.id, &[PathBuf::from("/a/old.jpg")])
            .expect("undo an old row");
        assert!(store.last_cleanup().expect("read").is_none());
    }

    #[test]
    fn reopening_a_database_file_keeps_its_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/cull.db");
        Store::open(&path)
            .expect("create")
            .set_decision("k", Some(Decision::Reject))
            .expect("set");
        let again = Store::open(&path).expect("reopen");
        assert_eq!(again.decision("k").expect("read"), Some(Decision::Reject));
    }
}
