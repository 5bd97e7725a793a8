//! The IPADIC system dictionary for the tokenizer: compiled once from the MeCab source
//! files of Debian's `mecab-ipadic` package (installed by `scripts/setup.sh`) and cached
//! as a vibrato model, so later runs load it in a fraction of a second.
//!
//! The source is EUC-JP as distributed (a UTF-8 copy, e.g. `mecab-ipadic-utf8`'s
//! source, works too). Nothing is fetched from the network.

use std::fs;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use vibrato::{Dictionary, SystemDictionaryBuilder};

use crate::error::{Error, Result};

/// Where Debian's `mecab-ipadic` installs the dictionary source.
pub const DEFAULT_SOURCE: &str = "/usr/share/mecab/dic/ipadic";
/// Overrides [`DEFAULT_SOURCE`].
pub const SOURCE_ENV: &str = "ONCOMETRICS_IPADIC_DIR";
/// Overrides the cache directory (default `$XDG_CACHE_HOME/oncometrics` or `~/.cache/oncometrics`).
pub const CACHE_ENV: &str = "ONCOMETRICS_CACHE_DIR";

/// The definition files a MeCab dictionary source holds beside its `*.csv` lexicon.
const DEFS: [&str; 3] = ["matrix.def", "char.def", "unk.def"];

pub fn source_dir() -> PathBuf {
    std::env::var_os(SOURCE_ENV).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(DEFAULT_SOURCE))
}

pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(CACHE_ENV) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("oncometrics");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".cache").join("oncometrics"),
        None => std::env::temp_dir().join("oncometrics"),
    }
}

fn missing(dir: &Path, what: &str) -> Error {
    Error::Dictionary(format!(
        "IPADIC source not usable at {} ({what}); run scripts/setup.sh (installs Debian mecab-ipadic) \
         or set {SOURCE_ENV} / 形態素解析の辞書がありません",
        dir.display()
    ))
}

/// The lexicon files of a source directory, sorted by name.
fn lexicon_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).map_err(|e| missing(dir, &e.to_string()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(missing(dir, "no *.csv lexicon"));
    }
    for d in DEFS {
        if !dir.join(d).is_file() {
            return Err(missing(dir, &format!("no {d}")));
        }
    }
    Ok(files)
}

/// A cache key from the source files' names and sizes (FNV-1a), and the model format.
fn fingerprint(dir: &Path, files: &[PathBuf]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(b"vibrato-0.5;mecab-compatible");
    for p in files.iter().cloned().chain(DEFS.iter().map(|d| dir.join(d))) {
        eat(p.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
        eat(&fs::metadata(&p).map(|m| m.len()).unwrap_or(0).to_le_bytes());
    }
    format!("{h:016x}")
}

/// A source file as UTF-8 text (UTF-8 as is, otherwise decoded as EUC-JP).
fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path).map_err(|e| Error::Dictionary(format!("{}: {e}", path.display())))?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let (text, _, bad) = encoding_rs::EUC_JP.decode(e.as_bytes());
            if bad {
                return Err(Error::Dictionary(format!("{}: neither UTF-8 nor EUC-JP", path.display())));
            }
            Ok(text.into_owned())
        }
    }
}

/// Compiles the dictionary from its MeCab source.
pub fn build(dir: &Path) -> Result<Dictionary> {
    let files = lexicon_files(dir)?;
    let mut lexicon = String::new();
    for f in &files {
        lexicon.push_str(&read_text(f)?);
        if !lexicon.ends_with('\n') {
            lexicon.push('\n');
        }
    }
    let [matrix, chars, unk] = DEFS.map(|d| read_text(&dir.join(d)));
    SystemDictionaryBuilder::from_readers(lexicon.as_bytes(), matrix?.as_bytes(), chars?.as_bytes(), unk?.as_bytes())
        .map_err(|e| Error::Dictionary(format!("building from {}: {e}", dir.display())))
}

/// The compiled dictionary: from the cache when it matches the source, otherwise built
/// and written to the cache (atomically; a cache that cannot be written is only logged).
pub fn load() -> Result<Dictionary> {
    let dir = source_dir();
    let files = lexicon_files(&dir)?;
    let cache = cache_dir().join(format!("ipadic-{}.vibrato", fingerprint(&dir, &files)));
    if let Ok(f) = fs::File::open(&cache) {
        match Dictionary::read(BufReader::new(f)) {
            Ok(d) => return Ok(d),
            Err(e) => tracing::warn!("ignoring unreadable dictionary cache {}: {e}", cache.display()),
        }
    }
    tracing::info!("compiling the IPADIC dictionary from {} (once)", dir.display());
    let dict = build(&dir)?;
    if let Err(e) = write_cache(&dict, &cache) {
        tracing::warn!("could not cache the dictionary at {}: {e}", cache.display());
    }
    Ok(dict)
}

fn write_cache(dict: &Dictionary, path: &Path) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("dict"),
        std::process::id()
    ));
    let mut w = BufWriter::new(fs::File::create(&tmp)?);
    dict.write(&mut w).map_err(|e| std::io::Error::other(e.to_string()))?;
    w.flush()?;
    w.get_ref().sync_all()?;
    drop(w);
    fs::rename(&tmp, path)
}
