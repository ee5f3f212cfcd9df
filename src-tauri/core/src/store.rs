//! The SQLite cache of verdicts, the user's own decisions, and the log of clean-ups that makes
//! every move to the trash undoable.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::scan::ShotReport;

const SCHEMA_VERSION: i64 = 3;

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
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash & ((1 << 53) - 1)
}

/// A stored shot with its id (see [`shot_id`]) and the user's decision.
#[derive(Debug, Clone)]
pub struct StoredShot {
    pub id: i64,
    pub report: ShotReport,
    pub decision: Option<Decision>,
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

    fn init(conn: Connection) -> Result<Self> {
        conn.execute_batch(SCHEMA)?;
        // Schema 3 journals clean-ups: databases from before it get the column, their rows moved.
        let has_state = conn
            .prepare("SELECT 1 FROM pragma_table_info('trashed') WHERE name = 'state'")?
            .exists([])?;
        if !has_state {
            conn.execute_batch(
                "ALTER TABLE trashed ADD COLUMN state TEXT NOT NULL DEFAULT 'moved'
                 CHECK (state IN ('pending', 'moved'))",
            )?;
        }
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version < SCHEMA_VERSION {
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
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
            ..r
        }))
    }

    /// Saves reports in one transaction.
    pub fn save(&mut self, reports: &[(String, String, ShotReport)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO shots (key, path, fingerprint, verdict, score, report, judged_at, id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(key) DO UPDATE SET path = excluded.path,
                   fingerprint = excluded.fingerprint, verdict = excluded.verdict,
                   score = excluded.score, report = excluded.report, judged_at = excluded.judged_at",
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
            for (key, fingerprint, report) in reports {
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
                    shot_id(key)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
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
        Ok(bytes.map(|b| {
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        }))
    }

    /// Every stored shot, oldest first, with decisions.
    pub fn all_shots(&self) -> Result<Vec<StoredShot>> {
        self.query_shots("", [])
    }

    /// Every stored shot in `folder` or below it.
    pub fn shots_under(&self, folder: &Path) -> Result<Vec<StoredShot>> {
        // Keys start with the folder (see `library::group_into_shots`): a key range, on the index.
        let prefix = format!("{}/", folder.display());
        let end = format!("{}0", folder.display());
        self.query_shots("WHERE s.key >= ?1 AND s.key < ?2", params![prefix, end])
    }

    pub fn shot(&self, id: i64) -> Result<Option<StoredShot>> {
        Ok(self
            .query_shots("WHERE s.id = ?1", [id])?
            .into_iter()
            .next())
    }

    fn query_shots<P: rusqlite::Params>(&self, filter: &str, params: P) -> Result<Vec<StoredShot>> {
        let sql = format!(
            "SELECT s.id, s.key, s.report, d.decision, s.fingerprint FROM shots s
             LEFT JOIN decisions d ON d.key = s.key {filter} ORDER BY s.rowid"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut shots = Vec::new();
        for row in rows {
            let (id, key, json, decision, fingerprint) = row?;
            let report: ShotReport = serde_json::from_str(&json)?;
            shots.push(StoredShot {
                id,
                report: ShotReport {
                    key,
                    version: crate::scan::version_of(&fingerprint),
                    ..report
                },
                decision: decision.as_deref().and_then(parse_decision),
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
    pub fn forget(&mut self, keys: &[String]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for key in keys {
            tx.execute("DELETE FROM shots WHERE key = ?1", params![key])?;
            tx.execute("DELETE FROM thumbnails WHERE key = ?1", params![key])?;
            tx.execute("DELETE FROM embeddings WHERE key = ?1", params![key])?;
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
