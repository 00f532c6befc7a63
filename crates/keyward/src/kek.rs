//! The key-encryption key file: created on first start with mode 0600.
//!
//! It holds a key ring, one key a line as `<id> <base64>`; the highest id
//! seals, every key opens. A file of one bare base64 line (as first written)
//! is key 1. Rotation adds a line and replaces the file atomically.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use keyward_core::crypto::{FIRST_KEY_ID, Kek, KeyRing, KeyRingSource};
use keyward_core::random::Random;

/// Reads the key ring from `path`, creating a one-key file (mode 0600) when absent.
pub fn load_or_create(path: &Path, rng: &dyn Random) -> Result<KeyRing, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path, rng),
        Err(e) => Err(format!(
            "cannot read the key-encryption key {}: {e}",
            path.display()
        )),
    }
}

fn parse_key(b64: &str) -> Result<Kek, String> {
    let bytes = B64
        .decode(b64.trim())
        .map_err(|_| "the key-encryption key is not valid base64".to_owned())?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "the key-encryption key must be 32 bytes".to_owned())?;
    Ok(Kek::from_bytes(bytes))
}

fn parse(text: &str) -> Result<KeyRing, String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mut keys = Vec::new();
    for line in &lines {
        match line.split_once(char::is_whitespace) {
            Some((id, b64)) => {
                let id: u32 = id
                    .parse()
                    .map_err(|_| format!("'{id}' is not a key id (a positive number)"))?;
                keys.push((id, parse_key(b64)?));
            }
            None if lines.len() == 1 => keys.push((FIRST_KEY_ID, parse_key(line)?)),
            None => return Err("each key must be written as '<id> <base64>'".into()),
        }
    }
    KeyRing::new(keys).ok_or_else(|| "no keys, or a key id used twice or below 1".to_owned())
}

fn render(ring: &KeyRing) -> String {
    let mut out = String::from(
        "# keyward key-encryption keys: <id> <base64>. The highest id seals; every key opens.\n",
    );
    for (id, kek) in ring.keys() {
        out.push_str(&format!("{id} {}\n", B64.encode(kek.as_bytes())));
    }
    out
}

fn create(path: &Path, rng: &dyn Random) -> Result<KeyRing, String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let kek = Kek::generate(rng);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(B64.encode(kek.as_bytes()).as_bytes())
                .and_then(|()| file.write_all(b"\n"))
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), "created a new key-encryption key");
            Ok(KeyRing::from(kek))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path, rng),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

/// Adds a new key (the next id) to the file, which is replaced atomically
/// (written beside it with mode 0600, synced, renamed). Returns the new ring.
pub fn add_key(path: &Path, rng: &dyn Random) -> Result<KeyRing, String> {
    let ring = load_or_create(path, rng)?;
    let id = ring.primary_id() + 1;
    let ring = ring
        .with_key(id, Kek::generate(rng))
        .ok_or("cannot add a key to the ring")?;
    replace(path, &render(&ring))?;
    Ok(ring)
}

/// Keeps only the newest key in the file.
pub fn retire_old_keys(path: &Path, rng: &dyn Random) -> Result<KeyRing, String> {
    let ring = load_or_create(path, rng)?;
    let newest = ring.keys().last().cloned().ok_or("the key ring is empty")?;
    let ring = KeyRing::new(vec![newest]).ok_or("cannot build the key ring")?;
    replace(path, &render(&ring))?;
    Ok(ring)
}

fn replace(path: &Path, text: &str) -> Result<(), String> {
    let tmp = path.with_extension("key.new");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&tmp)
        .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The KEK file as a running server's source of new keys: re-read when its
/// identity, size or modification time changes.
#[derive(Debug)]
pub struct FileKeySource {
    path: PathBuf,
    seen: Mutex<Option<Stamp>>,
}

type Stamp = (u64, u64, Option<std::time::SystemTime>);

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let ino = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let ino = 0;
    Some((ino, m.len(), m.modified().ok()))
}

impl FileKeySource {
    /// A source for `path`, as of now (the ring just loaded from it).
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            seen: Mutex::new(stamp(path)),
        }
    }
}

impl KeyRingSource for FileKeySource {
    fn reload(&self) -> Option<KeyRing> {
        let now = stamp(&self.path)?;
        let mut seen = self.seen.lock().ok()?;
        if seen.as_ref() == Some(&now) {
            return None;
        }
        let text = std::fs::read_to_string(&self.path).ok()?;
        match parse(&text) {
            Ok(ring) => {
                *seen = Some(now);
                tracing::info!(key_ids = ?ring.ids(), "reloaded the key-encryption keys");
                Some(ring)
            }
            Err(e) => {
                tracing::warn!(error = %e, "the key-encryption key file changed but cannot be read");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyward_core::random::SeededRandom;

    #[test]
    fn created_with_mode_0600_and_reloaded() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub").join("kek.key");
        let rng = SeededRandom::new(9);
        let a = load_or_create(&path, &rng).expect("created");
        let b = load_or_create(&path, &rng).expect("reloaded");
        assert_eq!(a.ids(), vec![1]);
        assert_eq!(a.keys()[0].1.as_bytes(), b.keys()[0].1.as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn adding_a_key_keeps_the_old_one_and_the_source_sees_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("kek.key");
        let rng = SeededRandom::new(3);
        let first = load_or_create(&path, &rng).expect("created");
        let source = FileKeySource::new(&path);
        assert!(source.reload().is_none(), "unchanged file");
        let ring = add_key(&path, &rng).expect("added");
        assert_eq!(ring.ids(), vec![1, 2]);
        assert_eq!(ring.keys()[0].1.as_bytes(), first.keys()[0].1.as_bytes());
        let seen = source.reload().expect("changed file is reloaded");
        assert_eq!(seen.ids(), vec![1, 2]);
        assert!(source.reload().is_none());
        let retired = retire_old_keys(&path, &rng).expect("retired");
        assert_eq!(retired.ids(), vec![2]);
        assert_eq!(load_or_create(&path, &rng).expect("load").ids(), vec![2]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn malformed_rings_are_refused() {
        assert!(parse("").is_err());
        assert!(parse("1 AAAA\n").is_err());
        let k = B64.encode([7u8; 32]);
        assert!(parse(&format!("{k}\n{k}\n")).is_err());
        assert!(parse(&format!("1 {k}\n1 {k}\n")).is_err());
        assert!(parse(&format!("0 {k}\n")).is_err());
        assert_eq!(
            parse(&format!("# c\n1 {k}\n5 {k}\n"))
                .expect("ok")
                .primary_id(),
            5
        );
    }
}
