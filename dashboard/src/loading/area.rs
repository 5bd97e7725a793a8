//! The upload area: one directory per upload under [`UploadConfig::dir`], holding the files as
//! sent and a manifest (who, when, the files' SHA-256, the choices made); the uploads known to
//! the server ([`Uploads`]) with their status; and the clean-up — an upload is kept until it is
//! committed or abandoned, and never longer than [`UploadConfig::keep`].
//!
//! A file is stored under its own name, reduced to its last path component (a name such as
//! `../../etc/passwd` is stored as `passwd` inside the upload's directory), so that messages
//! and the load history name it as its user knows it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::preview::Preview;
use crate::error::{Error, Result};

/// Where uploads are kept and how large they may be.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// The upload area (`uploads/` beside the warehouse).
    pub dir: PathBuf,
    /// The largest file accepted (default 512 MiB: a roster of a million members is about
    /// 60 MB as CSV (63 bytes a row in the sample)).
    pub max_file_bytes: u64,
    /// The most files one upload may carry.
    pub max_files: usize,
    /// How long an upload neither committed nor abandoned is kept.
    pub keep: Duration,
    /// The most uploads one user may have waiting at once.
    pub per_user: usize,
}

impl UploadConfig {
    pub fn new(dir: PathBuf) -> Self {
        UploadConfig {
            dir,
            max_file_bytes: 512 << 20,
            max_files: 10,
            keep: Duration::from_secs(24 * 3600),
            per_user: 5,
        }
    }
}

/// One file of an upload, as received.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stored {
    /// Its name (the last component of the name the browser sent), unique in the upload.
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
}

/// What the uploader chose on the form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Choice {
    /// A dataset name `ingest` takes; `None`: told from the headers.
    pub dataset: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub fiscal_year: Option<i32>,
}

/// The manifest written beside the files (`manifest.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub id: String,
    pub owner: String,
    /// Seconds since the Unix epoch.
    pub created: i64,
    pub files: Vec<Stored>,
    pub choice: Choice,
}

/// Where an upload is.
#[derive(Debug, Clone)]
pub enum Status {
    /// Waiting for another load or check to finish.
    Waiting,
    /// Being validated: the step under way, since when.
    Checking(String, Instant),
    /// Could not be validated (a file-level problem): the message, in Japanese.
    Failed(String),
    /// Validated: the preview.
    Ready(Arc<Preview>),
    /// 取り込む was pressed: the step under way.
    Committing(String),
    /// Committed: what the load did, in Japanese lines.
    Committed(Vec<String>),
    /// The commit was refused or failed, nothing changed: why, and the preview to try again.
    CommitFailed(String, Arc<Preview>),
    Abandoned,
}

impl Status {
    /// Whether the upload still holds files that wait for a decision.
    pub fn is_open(&self) -> bool {
        !matches!(self, Status::Committed(_) | Status::Abandoned)
    }
}

/// An upload known to the server.
#[derive(Debug)]
pub struct Upload {
    pub manifest: Manifest,
    pub dir: PathBuf,
    status: Mutex<Status>,
}

impl Upload {
    pub fn id(&self) -> &str {
        &self.manifest.id
    }

    pub fn status(&self) -> Status {
        match self.status.lock() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub fn set(&self, s: Status) {
        match self.status.lock() {
            Ok(mut g) => *g = s,
            Err(p) => *p.into_inner() = s,
        }
    }

    /// Moves the status from `Ready` (or a failed commit) to `Committing`, atomically: of two
    /// commits of the same preview, one gets the preview and the other a conflict.
    pub fn begin_commit(&self) -> Result<Arc<Preview>> {
        let mut g = self.status.lock().map_err(|_| Error::Internal("upload status lock poisoned".into()))?;
        let preview = match &*g {
            Status::Ready(p) | Status::CommitFailed(_, p) => p.clone(),
            Status::Committing(_) => {
                return Err(Error::Conflict("この取り込みは実行中です / already committing".into()));
            }
            Status::Committed(_) => {
                return Err(Error::Conflict("この取り込みはすでに完了しています / already committed".into()));
            }
            _ => return Err(Error::Conflict("まだ取り込める状態ではありません / not ready to commit".into())),
        };
        *g = Status::Committing("開始 / starting".into());
        Ok(preview)
    }

    /// The files' paths relative to the upload's directory, in upload order.
    pub fn files(&self) -> Vec<PathBuf> {
        self.manifest.files.iter().map(|f| PathBuf::from(&f.name)).collect()
    }
}

/// The uploads the server knows, and the one slot for validating or committing.
#[derive(Debug)]
pub struct Uploads {
    pub config: UploadConfig,
    map: Mutex<HashMap<String, Arc<Upload>>>,
    /// One check or load at a time: a check waits for it, a commit that finds it taken is told.
    pub slot: Arc<tokio::sync::Mutex<()>>,
}

impl Uploads {
    /// Opens the upload area: uploads younger than [`UploadConfig::keep`] are taken back (to be
    /// validated again: a preview lives in memory only); anything else in the area is removed.
    pub fn open(config: UploadConfig) -> Result<(Self, Vec<Arc<Upload>>)> {
        create_private_dir(&config.dir)?;
        let mut map = HashMap::new();
        let now = chrono::Utc::now().timestamp();
        for entry in std::fs::read_dir(&config.dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let manifest = std::fs::read(path.join("manifest.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
                .filter(|m| valid_id(&m.id) && path.file_name().is_some_and(|n| n == m.id.as_str()))
                .filter(|m| now - m.created < config.keep.as_secs() as i64);
            match manifest {
                Some(m) => {
                    let up = Arc::new(Upload { dir: path, manifest: m, status: Mutex::new(Status::Waiting) });
                    map.insert(up.id().to_string(), up);
                }
                None => remove(&path),
            }
        }
        let restored: Vec<Arc<Upload>> = map.values().cloned().collect();
        Ok((Uploads { config, map: Mutex::new(map), slot: Arc::new(tokio::sync::Mutex::new(())) }, restored))
    }

    fn map(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, Arc<Upload>>>> {
        self.map.lock().map_err(|_| Error::Internal("uploads lock poisoned".into()))
    }

    /// The upload `id` if `user` owns it; anyone else is told it does not exist.
    pub fn owned(&self, id: &str, user: &str) -> Result<Arc<Upload>> {
        self.map()?.get(id).filter(|u| u.manifest.owner == user).cloned().ok_or(Error::NotFound)
    }

    /// `user`'s uploads, newest first.
    pub fn of(&self, user: &str) -> Result<Vec<Arc<Upload>>> {
        let mut v: Vec<Arc<Upload>> = self.map()?.values().filter(|u| u.manifest.owner == user).cloned().collect();
        v.sort_by_key(|u| std::cmp::Reverse(u.manifest.created));
        Ok(v)
    }

    /// Refuses a new upload from a user who has too many waiting.
    pub fn check_quota(&self, user: &str) -> Result<()> {
        let open = self.map()?.values().filter(|u| u.manifest.owner == user && u.status().is_open()).count();
        if open >= self.config.per_user {
            return Err(Error::Conflict(format!(
                "未処理の取り込みが {open} 件あります。取り込むか取り消してから、新しいファイルを送ってください / too many open uploads"
            )));
        }
        Ok(())
    }

    /// A new, empty upload directory with a fresh id.
    pub fn new_dir(&self) -> Result<(String, PathBuf)> {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| Error::Internal(format!("random id: {e}")))?;
        let id = hex::encode(b);
        let dir = self.config.dir.join(&id);
        create_private_dir(&dir)?;
        Ok((id, dir))
    }

    /// Registers a received upload: its manifest written, then known to the server.
    pub fn register(&self, manifest: Manifest, dir: PathBuf) -> Result<Arc<Upload>> {
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(format!("manifest: {e}")))?;
        std::fs::write(dir.join("manifest.json"), json).map_err(io)?;
        let up = Arc::new(Upload { manifest, dir, status: Mutex::new(Status::Waiting) });
        self.map()?.insert(up.id().to_string(), up.clone());
        Ok(up)
    }

    /// Removes an upload's files (after its commit, or when it is abandoned); the entry stays,
    /// so that its page can say what happened.
    pub fn discard_files(&self, up: &Upload) {
        remove(&up.dir);
    }

    /// Forgets uploads older than the keep time (their files removed); returns them, for the
    /// audit log. An upload being committed is left alone.
    pub fn sweep(&self) -> Result<Vec<Arc<Upload>>> {
        let now = chrono::Utc::now().timestamp();
        let keep = self.config.keep.as_secs() as i64;
        let mut map = self.map()?;
        let old: Vec<String> = map
            .iter()
            .filter(|(_, u)| now - u.manifest.created >= keep && !matches!(u.status(), Status::Committing(_)))
            .map(|(k, _)| k.clone())
            .collect();
        let mut gone = Vec::new();
        for k in old {
            if let Some(u) = map.remove(&k) {
                remove(&u.dir);
                gone.push(u);
            }
        }
        Ok(gone)
    }
}

/// An upload id: 32 lower-case hex digits.
pub fn valid_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The name a file is stored under: the last component of what the browser sent (either
/// separator), without control characters or leading dots, at most 120 characters; `file`
/// when nothing is left.
pub fn safe_name(sent: &str) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    let clean: String = clean.chars().take(120).collect();
    if clean.is_empty() { "file".to_string() } else { clean }
}

/// `name`, or `name (2)`, `name (3)` … when an earlier file of the upload has it.
pub fn unique_name(name: String, taken: &[Stored]) -> String {
    if !taken.iter().any(|t| t.name == name) {
        return name;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (name.clone(), String::new()),
    };
    (2..).map(|n| format!("{stem} ({n}){ext}")).find(|c| !taken.iter().any(|t| &t.name == c)).unwrap_or(name)
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    Ok(())
}

fn remove(path: &Path) {
    if let Err(e) = std::fs::remove_dir_all(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("removing upload {}: {e}", path.display());
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Internal(format!("upload area: {e}"))
}

/// Removes a directory when dropped, unless disarmed: an upload cut off half-way leaves nothing.
#[derive(Debug)]
pub struct DirGuard(pub Option<PathBuf>);

impl DirGuard {
    pub fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for DirGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            remove(&p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_name_cannot_leave_the_upload_directory() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("..\\..\\win.ini"), "win.ini");
        assert_eq!(safe_name(".."), "file");
        assert_eq!(safe_name("../"), "file");
        assert_eq!(safe_name(".bashrc"), "bashrc");
        assert_eq!(safe_name("会員名簿\u{0}.csv"), "会員名簿.csv");
        assert_eq!(safe_name("C:\\Users\\事務局\\会員名簿 2025.csv"), "会員名簿 2025.csv");
    }

    #[test]
    fn two_files_of_one_name_are_told_apart() {
        let taken = vec![Stored { name: "a.csv".into(), sha256: String::new(), bytes: 0 }];
        assert_eq!(unique_name("a.csv".into(), &taken), "a (2).csv");
        assert_eq!(unique_name("b.csv".into(), &taken), "b.csv");
    }

    #[test]
    fn ids_are_hex_only() {
        assert!(valid_id("0123456789abcdef0123456789abcdef"));
        assert!(!valid_id("../0123456789abcdef0123456789abc"));
        assert!(!valid_id("short"));
    }
}
