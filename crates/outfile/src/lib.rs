#![doc = include_str!("../README.md")]

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
mod journal;
#[cfg(unix)]
pub use journal::{BatchError, Journal};

/// Who may read a file or folder pbkit writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// Owner-only: files `0600` (keys, PKCS#12 files, passwords, profiles with
    /// identities), folders `0700` (any folder holding such files).
    Secret,
    /// World-readable: files `0644` (certificates, manifests, unsigned public profiles),
    /// folders `0755`.
    Public,
}

impl Perm {
    #[cfg(unix)]
    fn file_mode(self) -> u32 {
        match self {
            Perm::Secret => 0o600,
            Perm::Public => 0o644,
        }
    }

    #[cfg(unix)]
    fn dir_mode(self) -> u32 {
        match self {
            Perm::Secret => 0o700,
            Perm::Public => 0o755,
        }
    }
}

/// An output could not be written; names the path and what was being done.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {action}: {}", io_reason(source))]
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
        // pbkit's own refusals carry their words.
        _ if e.get_ref().is_some() => e.get_ref().map(|r| r.to_string()).unwrap_or_default(),
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

fn refused(path: &Path, why: &'static str) -> Error {
    Error {
        path: path.to_path_buf(),
        action: "not written",
        source: io::Error::other(why),
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// What stands at a destination, and so how it is written.
enum Target {
    /// Nothing, or a regular file: a temporary file renamed over it.
    Replace,
    /// A character device or a FIFO (`/dev/null`, a pipe), directly or through a symbolic
    /// link (`/dev/stdout`): written as a stream, never replaced.
    Stream,
    /// `-`: standard output.
    Stdout,
}

fn target(dest: &Path) -> Result<Target, Error> {
    if dest.as_os_str() == "-" {
        return Ok(Target::Stdout);
    }
    let meta = match fs::symlink_metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::Replace),
        Err(e) => return Err(err(dest, "look at the destination")(e)),
    };
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(Target::Replace);
    }
    if kind.is_dir() {
        return Err(err(dest, "not written")(io::ErrorKind::IsADirectory.into()));
    }
    // What a link points to decides, but a link itself is never replaced.
    let followed = if kind.is_symlink() {
        fs::metadata(dest).ok().map(|m| m.file_type())
    } else {
        Some(kind)
    };
    match followed {
        Some(t) if is_stream(&t) => Ok(Target::Stream),
        _ if kind.is_symlink() => Err(refused(
            dest,
            "a symbolic link, which pbkit does not replace (name the file it points to)",
        )),
        _ => Err(refused(
            dest,
            "neither a regular file nor a character device or FIFO (a block device or a \
             socket is never written)",
        )),
    }
}

#[cfg(unix)]
fn is_stream(t: &fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    t.is_char_device() || t.is_fifo()
}

#[cfg(not(unix))]
fn is_stream(_: &fs::FileType) -> bool {
    false
}

/// Flushes a folder's entries (the renames into it) to disk.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(err(dir, "sync folder"))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The name a staged file or folder of `dest` starts with: `.NAME.pbkit-`, so that what a
/// killed run left is recognisably ours and tied to its destination.
fn staging_prefix(dest: &Path) -> String {
    format!(".{}.pbkit-", staging_name_of(dest))
}

/// The destination's name as staged entries carry it: at most 64 characters, leaving room
/// for the rest within a file name's 255 bytes.
fn staging_name_of(dest: &Path) -> String {
    dest.file_name()
        .map(|n| n.to_string_lossy().chars().take(64).collect())
        .unwrap_or_default()
}

/// What a staged entry's name says: `.DEST.pbkit-XXXXXX.tmp` is a staged file (locked
/// itself while written); `.DEST.pbkit-XXXXXX.lock` locks the staged folder
/// `.DEST.pbkit-XXXXXX`, and `.DEST.pbkit-old-XXXXXX.lock` the folder that an old `DEST`
/// was moved aside to while the new one is swapped in.
enum Staging<'a> {
    File,
    Folder { dest: &'a str, old: bool },
}

fn staging_name(name: &str) -> Option<Staging<'_>> {
    let rest = name.strip_prefix('.')?;
    let (dest, tail) = rest.rsplit_once(".pbkit-")?;
    let (tail, kind) = if let Some(t) = tail.strip_suffix(".tmp") {
        (t, Staging::File)
    } else {
        let t = tail.strip_suffix(".lock")?;
        match t.strip_prefix("old-") {
            Some(t) => (t, Staging::Folder { dest, old: true }),
            None => (t, Staging::Folder { dest, old: false }),
        }
    };
    let random = tail.len() == 6 && tail.chars().all(|c| c.is_ascii_alphanumeric());
    (random && !dest.is_empty()).then_some(kind)
}

/// Removes what killed pbkit runs left in `dir`: staged files and folders whose writer is
/// gone (their lock is free). Entries a live process is writing, and anything not named
/// and locked as pbkit stages, are left alone. An old folder moved aside by a run killed
/// while swapping in a new one is moved back if its destination is missing.
/// Returns how many staged entries were cleaned up.
pub fn remove_stale(dir: &Path) -> Result<usize, Error> {
    remove_stale_of(dir, None)
}

fn remove_stale_of(dir: &Path, only: Option<&str>) -> Result<usize, Error> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(err(dir, "read folder")(e)),
    };
    let mut cleaned = 0;
    for entry in entries {
        let entry = entry.map_err(err(dir, "read folder"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(kind) = staging_name(&name) else {
            continue;
        };
        if let (Some(o), Staging::Folder { dest, .. }) = (only, &kind) {
            if *dest != o {
                continue;
            }
        }
        let path = entry.path();
        // Its writer is alive while the lock is held.
        let Ok(handle) = fs::File::open(&path) else {
            continue;
        };
        if handle.try_lock().is_err() {
            continue;
        }
        if let Staging::Folder { dest, old } = kind {
            let folder = path.with_extension("");
            let original = dir.join(dest);
            if old && folder.is_dir() && !original.exists() {
                fs::rename(&folder, &original).map_err(err(&original, "restore folder"))?;
            } else if folder.is_dir() {
                fs::remove_dir_all(&folder).map_err(err(&folder, "remove stale folder"))?;
            }
        }
        fs::remove_file(&path).map_err(err(&path, "remove stale file"))?;
        cleaned += 1;
    }
    Ok(cleaned)
}

/// A staged folder beside `dest` and the held lock that marks it as being written.
fn locked_folder(dest: &Path, kind: &str) -> Result<(PathBuf, tempfile::NamedTempFile), Error> {
    let lock = tempfile::Builder::new()
        .prefix(&format!("{}{kind}", staging_prefix(dest)))
        .suffix(".lock")
        .tempfile_in(parent_of(dest))
        .map_err(err(dest, "create temporary folder"))?;
    lock.as_file()
        .try_lock()
        .map_err(|_| err(dest, "lock")(io::ErrorKind::WouldBlock.into()))?;
    Ok((lock.path().with_extension(""), lock))
}

/// Creates `dir` and any missing parents, each new one with `perm`'s folder mode whatever
/// the umask. Folders that exist are left as they are.
pub fn create_dir(dir: &Path, perm: Perm) -> Result<(), Error> {
    if dir.as_os_str() == "-" {
        return Err(refused(dir, "standard output (`-`) cannot be a folder"));
    }
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir(parent, perm)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => set_dir_mode(dir, perm),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(err(dir, "create folder")(e)),
    }
}

fn set_dir_mode(dir: &Path, perm: Perm) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(perm.dir_mode()))
            .map_err(err(dir, "set permissions"))?;
    }
    #[cfg(not(unix))]
    let _ = (dir, perm);
    Ok(())
}

enum Sink {
    Temp(tempfile::NamedTempFile),
    Stream(fs::File),
    Stdout(io::Stdout),
}

/// A file being written; invisible at its destination until [`Staged::commit`].
///
/// Dropping a `Staged` without committing deletes the temporary file. A destination that
/// is a character device or a FIFO (`/dev/null`, a pipe) is written as a stream instead,
/// and `-` is standard output: those cannot be replaced, and are never renamed over.
pub struct Staged {
    sink: Sink,
    dest: PathBuf,
}

impl Staged {
    /// Starts a file that will replace `dest` on commit. Refuses a destination that is a
    /// folder, a symbolic link to anything but a device or FIFO, a block device or a socket.
    pub fn new(dest: impl AsRef<Path>, perm: Perm) -> Result<Staged, Error> {
        let dest = dest.as_ref();
        let sink = match target(dest)? {
            Target::Stdout => Sink::Stdout(io::stdout()),
            Target::Stream => Sink::Stream(
                fs::OpenOptions::new()
                    .write(true)
                    .open(dest)
                    .map_err(err(dest, "open"))?,
            ),
            Target::Replace => {
                let tmp = tempfile::Builder::new()
                    .prefix(&staging_prefix(dest))
                    .suffix(".tmp")
                    .tempfile_in(parent_of(dest))
                    .map_err(err(dest, "create temporary file"))?;
                // Held until the file is renamed or removed: a free lock marks the file
                // of a killed run (see remove_stale).
                tmp.as_file().try_lock().map_err(|_| {
                    err(dest, "lock temporary file")(io::ErrorKind::WouldBlock.into())
                })?;
                // tempfile creates 0600 on Unix; widen only what is meant to be public.
                #[cfg(unix)]
                if perm == Perm::Public {
                    use std::os::unix::fs::PermissionsExt;
                    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(perm.file_mode()))
                        .map_err(err(dest, "set permissions"))?;
                }
                Sink::Temp(tmp)
            }
        };
        #[cfg(not(unix))]
        let _ = perm;
        Ok(Staged {
            sink,
            dest: dest.to_path_buf(),
        })
    }

    /// Flushes to disk, renames over the destination and flushes its folder (a power loss
    /// keeps the new file). A stream is flushed.
    pub fn commit(self) -> Result<(), Error> {
        commit_group(self.finish()?)
    }

    /// Completes the file without flushing it to disk or moving it into place, so that
    /// [`commit_group`] commits it together with others. `None` for a stream or standard
    /// output, which are flushed and done.
    pub fn finish(mut self) -> Result<Option<Pending>, Error> {
        self.flush().map_err(err(&self.dest, "write"))?;
        match self.sink {
            Sink::Stdout(_) | Sink::Stream(_) => Ok(None),
            Sink::Temp(tmp) => Ok(Some(Pending {
                tmp,
                dest: self.dest,
            })),
        }
    }
}

/// A complete file not yet flushed nor in place ([`Staged::finish`]); dropped, it is
/// removed and its destination left as it was.
pub struct Pending {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

/// Commits files together: flushes their content to disk, renames each over its
/// destination, then flushes each destination folder once. One file is flushed alone
/// (`fsync`); several on Linux by one flush of each file system they are on (`syncfs`),
/// one device flush in place of one a file, which is what a bulk job saves. Nothing is
/// renamed before everything is flushed, so a kill or power loss at any point leaves each
/// destination with its old file or its new one. On an error the files not yet renamed
/// are removed.
pub fn commit_group(files: impl IntoIterator<Item = Pending>) -> Result<(), Error> {
    let files: Vec<Pending> = files.into_iter().collect();
    flush_all(&files)?;
    let mut folders: Vec<PathBuf> = Vec::new();
    for Pending { tmp, dest } in files {
        // Between Staged::new and now, something else may have taken the name: never
        // rename over a link or a device.
        if !matches!(target(&dest)?, Target::Replace) {
            return Err(refused(&dest, "no longer a regular file"));
        }
        tmp.persist(&dest)
            .map_err(|e| err(&dest, "rename into place")(e.error))?;
        let folder = parent_of(&dest).to_path_buf();
        if !folders.contains(&folder) {
            folders.push(folder);
        }
    }
    folders.iter().try_for_each(|f| sync_dir(f))
}

/// How many times this process flushed file content to disk: an `fsync` of one file or a
/// `syncfs` of a file system ([`commit_group`]). Each costs a device flush; tests count
/// them to keep one per file off bulk jobs.
pub fn file_flushes() -> usize {
    FILE_FLUSHES.load(std::sync::atomic::Ordering::Relaxed)
}

static FILE_FLUSHES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn counted<T>(flush: T) -> T {
    FILE_FLUSHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    flush
}

#[cfg(target_os = "linux")]
fn flush_all(files: &[Pending]) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt as _;
    if let [one] = files {
        return counted(one.tmp.as_file().sync_all()).map_err(err(&one.dest, "sync"));
    }
    let mut devices = Vec::new();
    for f in files {
        let device = f
            .tmp
            .as_file()
            .metadata()
            .map_err(err(&f.dest, "sync"))?
            .dev();
        if !devices.contains(&device) {
            devices.push(device);
            counted(rustix::fs::syncfs(f.tmp.as_file()))
                .map_err(|e| err(&f.dest, "sync")(e.into()))?;
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn flush_all(files: &[Pending]) -> Result<(), Error> {
    files
        .iter()
        .try_for_each(|f| counted(f.tmp.as_file().sync_all()).map_err(err(&f.dest, "sync")))
}

impl Write for Staged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Temp(t) => t.write(buf),
            Sink::Stream(f) => f.write(buf),
            Sink::Stdout(o) => o.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Temp(t) => t.flush(),
            Sink::Stream(f) => f.flush(),
            Sink::Stdout(o) => o.flush(),
        }
    }
}

/// Writes `contents` to `path` atomically with the given permissions (or, for a device,
/// a FIFO or `-`, as a stream), then flushes the folder.
pub fn write(path: impl AsRef<Path>, contents: &[u8], perm: Perm) -> Result<(), Error> {
    let path = path.as_ref();
    let mut staged = Staged::new(path, perm)?;
    staged.write_all(contents).map_err(err(path, "write"))?;
    staged.commit()
}

/// As [`write()`], but leaves the file to be committed with others ([`commit_group`]);
/// `None` when `path` is a stream, written at once.
pub fn stage(
    path: impl AsRef<Path>,
    contents: &[u8],
    perm: Perm,
) -> Result<Option<Pending>, Error> {
    let path = path.as_ref();
    let mut staged = Staged::new(path, perm)?;
    staged.write_all(contents).map_err(err(path, "write"))?;
    staged.finish()
}

/// What to do when the destination folder of a [`StagedDir`] already has content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse: the user's files are never touched.
    Refuse,
    /// Replace the old folder as a whole, after the new one is complete.
    Replace,
}

impl Existing {
    /// [`Existing::Replace`] when the user asked to (`--force`), else [`Existing::Refuse`].
    pub fn replace_if(force: bool) -> Existing {
        if force {
            Existing::Replace
        } else {
            Existing::Refuse
        }
    }
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
/// Dropping it uncommitted removes everything written so far; a run killed before that
/// leaves its staged folder, which the next `StagedDir` for the same destination (or
/// [`remove_stale`]) removes.
pub struct StagedDir {
    path: PathBuf,
    // Held while the folder is staged; removed when dropped (see remove_stale).
    _lock: tempfile::NamedTempFile,
    dest: PathBuf,
    existing: Existing,
}

impl StagedDir {
    /// Starts a folder that will become `dest`, mode `perm` whatever the umask. Checks
    /// `existing` now, so that a refusal comes before any work is done, and removes what
    /// killed runs staged for the same destination.
    pub fn new(
        dest: impl AsRef<Path>,
        existing: Existing,
        perm: Perm,
    ) -> Result<StagedDir, DirError> {
        let dest = dest.as_ref().to_path_buf();
        if dest.as_os_str() == "-" {
            return Err(refused(&dest, "standard output (`-`) cannot be a folder").into());
        }
        let parent = parent_of(&dest);
        remove_stale_of(parent, Some(&staging_name_of(&dest)))?;
        if existing == Existing::Refuse && !is_absent_or_empty(&dest)? {
            return Err(DirError::NotEmpty(dest));
        }
        create_dir(parent, Perm::Public)?;
        let (path, lock) = locked_folder(&dest, "")?;
        fs::create_dir(&path).map_err(err(&dest, "create temporary folder"))?;
        let staged = StagedDir {
            path,
            _lock: lock,
            dest,
            existing,
        };
        set_dir_mode(&staged.path, perm)?;
        Ok(staged)
    }

    /// Where to write the folder's content while it is staged.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The final location.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Moves the staged folder to its destination, then flushes the parent folder.
    pub fn commit(self) -> Result<(), DirError> {
        let dest = &self.dest;
        let parent = parent_of(dest);
        if is_absent_or_empty(dest)? {
            if dest.exists() {
                fs::remove_dir(dest).map_err(err(dest, "remove empty folder"))?;
            }
            fs::rename(&self.path, dest).map_err(err(dest, "rename into place"))?;
        } else {
            if self.existing == Existing::Refuse {
                return Err(DirError::NotEmpty(dest.clone()));
            }
            // Swap: old aside, new in, old removed. The user's folder is gone only once
            // the complete new one is in its place; a kill in between leaves the old one
            // aside, and the next run puts it back (remove_stale).
            let (aside, aside_lock) = locked_folder(dest, "old-")?;
            fs::rename(dest, &aside).map_err(err(dest, "move old folder aside"))?;
            if let Err(e) = fs::rename(&self.path, dest) {
                // The old folder goes back where it was.
                let _ = fs::rename(&aside, dest);
                return Err(err(dest, "rename into place")(e).into());
            }
            fs::remove_dir_all(&aside).map_err(err(dest, "remove old folder"))?;
            drop(aside_lock);
        }
        sync_dir(parent)?;
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        // After a commit the path is gone and this does nothing; the lock file is removed
        // when `lock` drops, after this.
        let _ = fs::remove_dir_all(&self.path);
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

    /// The names in a folder, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_group_is_flushed_once_and_renamed_only_after() {
        let d = tempfile::tempdir().unwrap();
        let dests: Vec<PathBuf> = (0..5).map(|n| d.path().join(format!("f{n}"))).collect();
        fs::write(&dests[0], b"old").unwrap();
        let pending: Vec<Pending> = dests
            .iter()
            .map(|p| {
                stage(p, p.to_string_lossy().as_bytes(), Perm::Secret)
                    .unwrap()
                    .unwrap()
            })
            .collect();
        // Staged, not in place: the old file is still there, the others absent.
        assert_eq!(fs::read(&dests[0]).unwrap(), b"old");
        assert!(!dests[1].exists());
        commit_group(pending).unwrap();
        for p in &dests {
            assert_eq!(fs::read(p).unwrap(), p.to_string_lossy().as_bytes());
            #[cfg(unix)]
            assert_eq!(mode(p), 0o600);
        }
        assert_eq!(names(d.path()), ["f0", "f1", "f2", "f3", "f4"]);
        commit_group(stage(&dests[0], b"new", Perm::Public).unwrap()).unwrap();
        assert_eq!(fs::read(&dests[0]).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn a_group_stops_at_a_destination_that_became_a_link() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        fs::write(&victim, b"victim").unwrap();
        let dests: Vec<PathBuf> = (0..3).map(|n| d.path().join(format!("f{n}"))).collect();
        let pending: Vec<Pending> = dests
            .iter()
            .map(|p| stage(p, b"new", Perm::Public).unwrap().unwrap())
            .collect();
        std::os::unix::fs::symlink(&victim, &dests[1]).unwrap();
        let e = commit_group(pending).unwrap_err();
        assert_eq!(e.path, dests[1]);
        assert_eq!(
            e.to_string(),
            format!(
                "{}: not written: a symbolic link, which pbkit does not replace (name the \
                 file it points to)",
                dests[1].display()
            )
        );
        // The first is in place, the link and its target untouched, the third never
        // renamed, and no temporary file left.
        assert_eq!(fs::read(&dests[0]).unwrap(), b"new");
        assert_eq!(fs::read(&victim).unwrap(), b"victim");
        assert!(fs::symlink_metadata(&dests[1])
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(names(d.path()), ["f0", "f1", "victim"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_journal_records_a_batch_after_its_files_are_in_place() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("work.journal");
        let (journal, held) = Journal::<u32>::open(&path, false, 1 << 20).unwrap();
        assert!(held.is_empty());
        let journal = journal.batched(3, std::time::Duration::MAX);
        let item = |n: u32| {
            let file = stage(d.path().join(format!("out{n}")), b"x", Perm::Secret)
                .unwrap()
                .into_iter()
                .collect();
            journal
                .record(format!("done {n}").as_bytes(), file, n)
                .unwrap()
        };
        assert!(item(1).is_empty() && item(2).is_empty());
        // Nothing recorded or in place before the batch is full.
        assert_eq!(fs::read(&path).unwrap(), b"");
        assert!(!d.path().join("out1").exists());
        assert_eq!(item(3), [1, 2, 3]);
        assert_eq!(fs::read(&path).unwrap(), b"done 1\ndone 2\ndone 3\n");
        assert!(d.path().join("out3").exists());
        assert!(item(4).is_empty());
        assert_eq!(journal.flush().unwrap(), [4]);
        assert!(journal.flush().unwrap().is_empty());
        drop(journal);
        // A resume reads what is held; a new run empties it.
        let (_, held) = Journal::<u32>::open(&path, true, 1 << 20).unwrap();
        assert_eq!(held, b"done 1\ndone 2\ndone 3\ndone 4\n");
        let (_, held) = Journal::<u32>::open(&path, false, 1 << 20).unwrap();
        assert!(held.is_empty());
        assert_eq!(fs::read(&path).unwrap(), b"");
    }

    #[cfg(unix)]
    #[test]
    fn a_batch_that_cannot_be_committed_returns_its_items_unrecorded() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("work.journal");
        let (journal, _) = Journal::<&str>::open(&path, false, 1 << 20).unwrap();
        let journal = journal.batched(2, std::time::Duration::MAX);
        let out = d.path().join("out");
        let file = stage(&out, b"x", Perm::Secret)
            .unwrap()
            .into_iter()
            .collect();
        assert!(journal.record(b"done a", file, "a").unwrap().is_empty());
        fs::create_dir(&out).unwrap();
        let e = journal.record(b"done b", Vec::new(), "b").unwrap_err();
        assert_eq!(e.items, ["a", "b"]);
        assert_eq!(e.error.path, out);
        assert_eq!(fs::read(&path).unwrap(), b"");
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
            StagedDir::new(&out, Existing::Refuse, Perm::Public),
            Err(DirError::NotEmpty(_))
        ));
        assert!(out.join("keep").exists());

        let staged = StagedDir::new(&out, Existing::Replace, Perm::Public).unwrap();
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
            let staged = StagedDir::new(&out, Existing::Refuse, Perm::Public).unwrap();
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
            let staged = StagedDir::new(&out, Existing::Refuse, Perm::Public).unwrap();
            fs::write(staged.path().join("f"), b"x").unwrap();
        }
        assert!(!out.exists());
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    fn is_char_device(p: &Path) -> bool {
        use std::os::unix::fs::FileTypeExt;
        fs::symlink_metadata(p)
            .unwrap()
            .file_type()
            .is_char_device()
    }

    /// A private copy of /dev/null (never a real /dev entry); needs root, as CI has.
    #[cfg(unix)]
    fn null_device(dir: &Path) -> PathBuf {
        let p = dir.join("null");
        let made = std::process::Command::new("mknod")
            .arg(&p)
            .args(["c", "1", "3"])
            .status()
            .unwrap();
        assert!(made.success(), "mknod needs root (CI runs as root)");
        p
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_as_a_stream_and_never_replaced() {
        let d = tempfile::tempdir().unwrap();
        let null = null_device(d.path());
        write(&null, b"secret", Perm::Secret).unwrap();
        assert!(is_char_device(&null));
        // Through a link, as /dev/stdout is one.
        let link = d.path().join("stdout");
        std::os::unix::fs::symlink(&null, &link).unwrap();
        write(&link, b"x", Perm::Public).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(is_char_device(&null));
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            2,
            "no temporary file left"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_as_a_stream() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        write(&fifo, b"through the pipe", Perm::Secret).unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[cfg(unix)]
    #[test]
    fn links_folders_and_sockets_are_refused_and_left_alone() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("target");
        fs::write(&target, b"the user's").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = write(&link, b"ours", Perm::Public).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(fs::read(&target).unwrap(), b"the user's");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());

        let e = write(d.path(), b"x", Perm::Public).unwrap_err();
        assert!(e.to_string().ends_with("is a folder, not a file"), "{e}");

        let socket = d.path().join("socket");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let e = write(&socket, b"x", Perm::Public).unwrap_err();
        assert!(e.to_string().contains("never written"), "{e}");
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            3,
            "no temporary file left"
        );
    }

    #[test]
    fn what_a_killed_run_staged_is_removed_and_nothing_else() {
        let d = tempfile::tempdir().unwrap();
        let stale = d.path().join(".out.pbkit-AbC123");
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("server.key.pem"), b"key").unwrap();
        fs::write(d.path().join(".out.pbkit-AbC123.lock"), b"").unwrap();
        fs::write(d.path().join(".profile.pbkit-Zz9Zz9.tmp"), b"half").unwrap();
        // A staging of a live writer (its lock held) and the user's own look-alikes.
        let live = d.path().join(".out.pbkit-Live01");
        fs::create_dir(&live).unwrap();
        let live_lock = fs::File::create(d.path().join(".out.pbkit-Live01.lock")).unwrap();
        live_lock.lock().unwrap();
        for mine in [".pbkit-notes", ".out.pbkit-mine", ".out.pbkit-AbC123x"] {
            fs::create_dir(d.path().join(mine)).unwrap();
        }
        let staged = StagedDir::new(d.path().join("out"), Existing::Refuse, Perm::Secret).unwrap();
        drop(staged);
        let mut left: Vec<String> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".out.pbkit-AbC123x",
                ".out.pbkit-Live01",
                ".out.pbkit-Live01.lock",
                ".out.pbkit-mine",
                ".pbkit-notes"
            ]
        );
    }

    #[test]
    fn a_folder_moved_aside_by_a_killed_swap_is_put_back() {
        let d = tempfile::tempdir().unwrap();
        let aside = d.path().join(".out.pbkit-old-Qw3rty");
        fs::create_dir(&aside).unwrap();
        fs::write(aside.join("keep"), b"user data").unwrap();
        fs::write(d.path().join(".out.pbkit-old-Qw3rty.lock"), b"").unwrap();
        assert_eq!(remove_stale(d.path()).unwrap(), 1);
        assert_eq!(fs::read(d.path().join("out/keep")).unwrap(), b"user data");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn folders_get_their_mode_whatever_exists_around_them() {
        let d = tempfile::tempdir().unwrap();
        let deep = d.path().join("a/b");
        create_dir(&deep, Perm::Secret).unwrap();
        assert_eq!(mode(&deep), 0o700);
        assert_eq!(mode(&d.path().join("a")), 0o700);
        let staged = StagedDir::new(d.path().join("pub"), Existing::Refuse, Perm::Public).unwrap();
        assert_eq!(mode(staged.path()), 0o755);
        staged.commit().unwrap();
        assert_eq!(mode(&d.path().join("pub")), 0o755);
    }

    #[test]
    fn standard_output_is_no_folder() {
        let e = create_dir(Path::new("-"), Perm::Public).unwrap_err();
        assert_eq!(
            (e.path.as_path(), e.action),
            (Path::new("-"), "not written")
        );
        assert!(matches!(
            StagedDir::new("-", Existing::Refuse, Perm::Public),
            Err(DirError::Io(Error {
                action: "not written",
                ..
            }))
        ));
    }
}
