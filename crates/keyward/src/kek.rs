//! The key-encryption key's file: created on first start with mode 0600.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use keyward_core::crypto::Kek;
use keyward_core::random::Random;

/// Reads the KEK from `path`, creating it (mode 0600) when absent.
pub fn load_or_create(path: &Path, rng: &dyn Random) -> Result<Kek, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path, rng),
        Err(e) => Err(format!(
            "cannot read the key-encryption key {}: {e}",
            path.display()
        )),
    }
}

fn parse(text: &str) -> Result<Kek, String> {
    let bytes = B64
        .decode(text.trim())
        .map_err(|_| "the key-encryption key is not valid base64".to_owned())?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "the key-encryption key must be 32 bytes".to_owned())?;
    Ok(Kek::from_bytes(bytes))
}

fn create(path: &Path, rng: &dyn Random) -> Result<Kek, String> {
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
            Ok(kek)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path, rng),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
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
        let b = load_or_create(&path, &rng).expect("loaded");
        assert_eq!(a.as_bytes(), b.as_bytes());
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
}
