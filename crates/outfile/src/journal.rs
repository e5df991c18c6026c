//! An append-only record of finished work that a resumed job reads to skip what is done.
//!
//! Each finished item is one line, recorded only after the files it produced are on disk
//! and in place: the lines and files of a batch are committed together (one flush of
//! the files' file system, their renames, one flush of the journal), so a bulk job pays
//! one round of flushes per batch rather than one per file. A kill or power loss loses at
//! most the batch in flight: its files are not in place and its items not recorded, so
//! a resume does them again. What each line says is the job's own business.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::{commit_group, Error, Pending};

/// A journal being written. `T` is what the caller learns back once an item is durable
/// (a bulk job's per-item outcome, say), so that nothing is reported done before it is.
pub struct Journal<T> {
    path: PathBuf,
    file: fs::File,
    every: usize,
    within: Duration,
    batch: Mutex<Batch<T>>,
}

struct Batch<T> {
    lines: Vec<u8>,
    files: Vec<Pending>,
    items: Vec<T>,
    since: Instant,
}

impl<T> Batch<T> {
    fn new() -> Batch<T> {
        Batch {
            lines: Vec::new(),
            files: Vec::new(),
            items: Vec::new(),
            since: Instant::now(),
        }
    }
}

/// A batch could not be committed: its items, none of them recorded, and why.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct BatchError<T> {
    /// What failed (a flush, a rename, the journal's own write).
    #[source]
    pub error: Error,
    /// The batch's items: their files may be in place or not, but none is recorded.
    pub items: Vec<T>,
}

impl<T> Journal<T> {
    /// Opens the journal at `path` (created owner-only). With `resume`, also returns what
    /// it holds (at most `limit` bytes); without, empties it. Only a regular file is a
    /// journal: a symbolic link is not followed (it could point at a file the journal
    /// would wipe, or at `/dev/zero`), and a FIFO or device is refused without waiting
    /// for a writer. Each item is committed on its own until [`Journal::batched`].
    pub fn open(path: &Path, resume: bool, limit: u64) -> Result<(Journal<T>, Vec<u8>), Error> {
        let (file, held) = open_file(path, resume, limit)?;
        let journal = Journal {
            path: path.to_path_buf(),
            file,
            every: 1,
            within: Duration::ZERO,
            batch: Mutex::new(Batch::new()),
        };
        Ok((journal, held))
    }

    /// Commits items in batches of up to `every`, and no item waits longer than `within`
    /// once another is recorded: a resume that is killed often still moves forward.
    pub fn batched(mut self, every: usize, within: Duration) -> Journal<T> {
        self.every = every.max(1);
        self.within = within;
        self
    }

    /// Records a finished item: its line (without the newline) and the files that must
    /// be in place before the line is written. Returns the items this call made durable:
    /// the whole batch when it was committed, none otherwise.
    pub fn record(
        &self,
        line: &[u8],
        files: Vec<Pending>,
        item: T,
    ) -> Result<Vec<T>, BatchError<T>> {
        let full = {
            let mut batch = self.batch.lock().unwrap_or_else(|p| p.into_inner());
            batch.lines.extend_from_slice(line);
            batch.lines.push(b'\n');
            batch.files.extend(files);
            batch.items.push(item);
            (batch.items.len() >= self.every || batch.since.elapsed() >= self.within)
                .then(|| std::mem::replace(&mut *batch, Batch::new()))
        };
        // Committed outside the lock: the other threads go on recording meanwhile.
        full.map_or(Ok(Vec::new()), |b| self.commit(b))
    }

    /// Commits what is waiting; returns its items.
    pub fn flush(&self) -> Result<Vec<T>, BatchError<T>> {
        let batch = {
            let mut batch = self.batch.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *batch, Batch::new())
        };
        self.commit(batch)
    }

    fn commit(&self, batch: Batch<T>) -> Result<Vec<T>, BatchError<T>> {
        let Batch {
            lines,
            files,
            items,
            ..
        } = batch;
        if items.is_empty() {
            return Ok(items);
        }
        let written = commit_group(files).and_then(|()| {
            // One write of the whole batch: O_APPEND keeps concurrent batches whole.
            (&self.file)
                .write_all(&lines)
                .and_then(|()| self.file.sync_data())
                .map_err(|source| Error {
                    path: self.path.clone(),
                    action: "record in the journal",
                    source,
                })
        });
        match written {
            Ok(()) => Ok(items),
            Err(error) => Err(BatchError { error, items }),
        }
    }
}

/// The journal's file and what it holds, as [`Journal::open`] says.
fn open_file(path: &Path, resume: bool, limit: u64) -> Result<(fs::File, Vec<u8>), Error> {
    use io::Read as _;
    use rustix::fs::{fcntl_setfl, Mode, OFlags};
    let fail = |action| {
        move |e: io::Error| Error {
            path: path.to_path_buf(),
            action,
            source: e,
        }
    };
    let flags = OFlags::RDWR
        | OFlags::CREATE
        | OFlags::APPEND
        | OFlags::NOFOLLOW
        | OFlags::NONBLOCK
        | OFlags::CLOEXEC;
    let fd = rustix::fs::open(path, flags, Mode::from_raw_mode(0o600)).map_err(|e| {
        let e = io::Error::from(e);
        if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
            io::Error::other("a symbolic link: pbkit does not follow one to its journal")
        } else {
            e
        }
    });
    let fd = fd.map_err(fail("open the journal"))?;
    fcntl_setfl(&fd, OFlags::APPEND).map_err(|e| fail("open the journal")(e.into()))?;
    let mut file = fs::File::from(fd);
    let meta = file.metadata().map_err(fail("open the journal"))?;
    if !meta.is_file() {
        return Err(fail("open the journal")(io::Error::other(
            "not a regular file (a FIFO, device or folder)",
        )));
    }
    let mut held = Vec::new();
    if resume {
        (&mut file)
            .take(limit.saturating_add(1))
            .read_to_end(&mut held)
            .map_err(fail("read the journal"))?;
        if held.len() as u64 > limit {
            return Err(fail("read the journal")(io::Error::other(format!(
                "larger than {limit} bytes: not a journal pbkit wrote"
            ))));
        }
    } else {
        file.set_len(0).map_err(fail("empty the journal"))?;
    }
    Ok((file, held))
}
