#![doc = include_str!("../README.md")]

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Who may read a file pbkit writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// Owner-only (`0600`): keys, PKCS#12 files, passwords, profiles with identities.
    Secret,
    /// World-readable (`0644`): certificates, manifests, unsigned public profiles.
    Public,
}

impl Perm {
    #[cfg(unix)]
    fn mode(self) -> u32 {
        match self {
            Perm::Secret => 0o600,
            Perm::Public => 0o644,
        }
    }
}

/// An output could not be written; names the path and what was being done.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {action}: {source}")]
pub struct Error {
    /// The file or folder concerned.
    pub path: PathBuf,
    /// What was being done, e.g. "create temporary file".
    pub action: &'static str,
    /// The underlying I/O error.
    #[source]
    pub source: io::Error,
}

/// An I/O error in words, without its `(os error N)`: `no such file or folder`, not
/// `No such file or directory (os error 2)`. Every pbkit message about a file says it so.
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or folder".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "is a folder, not a file".into(),
        io::ErrorKind::NotADirectory => "a part of the path is not a folder".into(),
        io::ErrorKind::AlreadyExists => "already exists".into(),
        io::ErrorKind::StorageFull => "no space left on the device".into(),
        io::ErrorKind::ReadOnlyFilesystem => "read-only file system".into(),
        kind => {
            let text = kind.to_string();
            text.split(" (os error").next().unwrap_or(&text).to_string()
        }
    }
}

fn err<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(io::Error) -> Error + 'a {
    // The error alone: tempfile's errors name the temporary path, which is no concern of
    // the user's (the message names the destination).
    move |source| Error {
        path: path.to_path_buf(),
        action,
        source: io::Error::from(source.kind()),
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A file being written; invisible at its destination until [`Staged::commit`].
///
/// Dropping a `Staged` without committing deletes the temporary file.
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

impl Staged {
    /// Starts a file that will replace `dest` on commit.
    pub fn new(dest: impl AsRef<Path>, perm: Perm) -> Result<Staged, Error> {
        let dest = dest.as_ref();
        let tmp = tempfile::Builder::new()
            .prefix(".pbkit-")
            .suffix(".tmp")
            .tempfile_in(parent_of(dest))
            .map_err(err(dest, "create temporary file"))?;
        // tempfile creates 0600 on Unix; widen only what is meant to be public.
        #[cfg(unix)]
        if perm == Perm::Public {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(tmp.path(), fs::Permissions::from_mode(perm.mode()))
                .map_err(err(dest, "set permissions"))?;
        }
        #[cfg(not(unix))]
        let _ = perm;
        Ok(Staged {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// Flushes to disk and renames over the destination.
    pub fn commit(mut self) -> Result<(), Error> {
        self.tmp.flush().map_err(err(&self.dest, "write"))?;
        self.tmp
            .as_file()
            .sync_all()
            .map_err(err(&self.dest, "sync"))?;
        self.tmp
            .persist(&self.dest)
            .map_err(|e| err(&self.dest, "rename into place")(e.error))?;
        Ok(())
    }
}

impl Write for Staged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

impl io::Seek for Staged {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.tmp.seek(pos)
    }
}

/// Writes `contents` to `path` atomically with the given permissions.
pub fn write(path: impl AsRef<Path>, contents: &[u8], perm: Perm) -> Result<(), Error> {
    let path = path.as_ref();
    let mut staged = Staged::new(path, perm)?;
    staged.write_all(contents).map_err(err(path, "write"))?;
    staged.commit()
}

/// What to do when the destination folder of a [`StagedDir`] already has content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse: the user's files are never touched.
    Refuse,
    /// Replace the old folder as a whole, after the new one is complete.
    Replace,
}

/// The destination folder already holds files and [`Existing::Refuse`] was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirError {
    /// The folder exists and is not empty.
    #[error("{0}: folder exists and is not empty (use --force to replace it)")]
    NotEmpty(PathBuf),
    /// An I/O step failed.
    #[error(transparent)]
    Io(#[from] Error),
}

/// A folder built beside its destination and renamed into place when complete.
///
/// Files are written under [`StagedDir::path`]; [`StagedDir::commit`] swaps the folder in.
/// Dropping it uncommitted removes everything written so far.
pub struct StagedDir {
    tmp: tempfile::TempDir,
    dest: PathBuf,
    existing: Existing,
}

impl StagedDir {
    /// Starts a folder that will become `dest`. Checks `existing` now, so that a refusal
    /// comes before any work is done.
    pub fn new(dest: impl AsRef<Path>, existing: Existing) -> Result<StagedDir, DirError> {
        let dest = dest.as_ref().to_path_buf();
        if existing == Existing::Refuse && !is_absent_or_empty(&dest)? {
            return Err(DirError::NotEmpty(dest));
        }
        let parent = parent_of(&dest);
        fs::create_dir_all(parent).map_err(err(parent, "create folder"))?;
        let tmp = tempfile::Builder::new()
            .prefix(".pbkit-")
            .tempdir_in(parent)
            .map_err(err(&dest, "create temporary folder"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755))
                .map_err(err(&dest, "set permissions"))?;
        }
        Ok(StagedDir {
            tmp,
            dest,
            existing,
        })
    }

    /// Where to write the folder's content while it is staged.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// The final location.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Moves the staged folder to its destination.
    pub fn commit(self) -> Result<(), DirError> {
        let dest = self.dest;
        if !is_absent_or_empty(&dest)? {
            if self.existing == Existing::Refuse {
                return Err(DirError::NotEmpty(dest));
            }
            // Swap: old aside, new in, old removed. The user's folder is gone only once
            // the complete new one is in its place.
            let aside = tempfile::Builder::new()
                .prefix(".pbkit-old-")
                .tempdir_in(parent_of(&dest))
                .map_err(err(&dest, "create temporary folder"))?;
            let old = aside.path().join("old");
            fs::rename(&dest, &old).map_err(err(&dest, "move old folder aside"))?;
            fs::rename(self.tmp.keep(), &dest).map_err(err(&dest, "rename into place"))?;
            drop(aside);
            return Ok(());
        }
        if dest.exists() {
            fs::remove_dir(&dest).map_err(err(&dest, "remove empty folder"))?;
        }
        fs::rename(self.tmp.keep(), &dest).map_err(err(&dest, "rename into place"))?;
        Ok(())
    }
}

fn is_absent_or_empty(dir: &Path) -> Result<bool, Error> {
    match fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(err(dir, "read folder")(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn write_sets_modes_and_replaces() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        write(&p, b"one", Perm::Public).unwrap();
        write(&p, b"two", Perm::Secret).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        assert_eq!(mode(&p), 0o600);
        write(&p, b"three", Perm::Public).unwrap();
        #[cfg(unix)]
        assert_eq!(mode(&p), 0o644);
        // No temporary files left behind.
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn uncommitted_file_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        write(&p, b"old", Perm::Public).unwrap();
        {
            let mut s = Staged::new(&p, Perm::Public).unwrap();
            s.write_all(b"partial").unwrap();
        }
        assert_eq!(fs::read(&p).unwrap(), b"old");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_parent_is_a_named_error() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("no/such/f");
        let e = write(&p, b"x", Perm::Public).unwrap_err();
        assert!(e.to_string().contains("no/such/f"), "{e}");
    }

    #[test]
    fn staged_dir_refuses_nonempty_and_replaces_with_force() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("keep"), b"user data").unwrap();
        assert!(matches!(
            StagedDir::new(&out, Existing::Refuse),
            Err(DirError::NotEmpty(_))
        ));
        assert!(out.join("keep").exists());

        let staged = StagedDir::new(&out, Existing::Replace).unwrap();
        fs::write(staged.path().join("new"), b"n").unwrap();
        assert!(out.join("keep").exists(), "old content stays until commit");
        staged.commit().unwrap();
        assert!(!out.join("keep").exists());
        assert_eq!(fs::read(out.join("new")).unwrap(), b"n");
        // Only `out` remains in the parent: no staging or aside folders.
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn staged_dir_into_empty_or_absent_folder() {
        let d = tempfile::tempdir().unwrap();
        for name in ["absent", "empty"] {
            let out = d.path().join(name);
            if name == "empty" {
                fs::create_dir(&out).unwrap();
            }
            let staged = StagedDir::new(&out, Existing::Refuse).unwrap();
            fs::write(staged.path().join("f"), b"x").unwrap();
            staged.commit().unwrap();
            assert!(out.join("f").exists());
        }
    }

    #[test]
    fn dropped_staged_dir_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        {
            let staged = StagedDir::new(&out, Existing::Refuse).unwrap();
            fs::write(staged.path().join("f"), b"x").unwrap();
        }
        assert!(!out.exists());
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0);
    }
}
