#![doc = include_str!("../README.md")]

use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// The most bytes a kind of input may have, and what that kind is called in an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The largest size accepted, in bytes.
    pub bytes: u64,
    /// The kind, with its article: `a password file`, `a PKCS#12`.
    pub what: &'static str,
}

impl Limit {
    /// A limit of `bytes` for inputs called `what` in errors.
    pub const fn new(bytes: u64, what: &'static str) -> Limit {
        Limit { bytes, what }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.bytes {
            b if b >= 1 << 20 && b % (1 << 20) == 0 => write!(f, "{} MiB", b >> 20),
            b if b >= 1 << 10 && b % (1 << 10) == 0 => write!(f, "{} KiB", b >> 10),
            b => write!(f, "{b} bytes"),
        }
    }
}

/// What is wrong with an input file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// It could not be opened or read. (Not a `source`: the message already says it in
    /// words, and a chain would repeat it with its `(os error N)`.)
    #[error("{}", pbkit_outfile::io_reason(.0))]
    Io(io::Error),
    /// It is larger than its kind's limit.
    #[error("larger than {limit}: not {}", limit.what)]
    TooLarge {
        /// The limit it broke.
        limit: Limit,
    },
    /// It is a folder, a block device or a socket.
    #[error("{0}, not a file")]
    NotAFile(&'static str),
    /// Text was expected and it is not UTF-8 ([`read_text`]).
    #[error("not UTF-8 text")]
    NotText,
}

/// An input file could not be read; names it and says why.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct Error {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub problem: Problem,
}

/// Reads a text file whole ([`read`]'s rules), refusing one that is not UTF-8.
pub fn read_text(path: &Path, limit: Limit) -> Result<String, Error> {
    String::from_utf8(read(path, limit)?).map_err(|_| Error {
        path: path.to_path_buf(),
        problem: Problem::NotText,
    })
}

/// Reads `path` whole, refusing it when larger than `limit`. Regular files, character
/// devices and FIFOs (or pipes, as `<(command)` gives) are read; a FIFO without a writer
/// reads as empty instead of waiting for one.
pub fn read(path: &Path, limit: Limit) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    read_into(path, limit, &mut bytes)?;
    Ok(bytes)
}

/// As [`read`], but a file that does not exist is `None` (a previous run's record that
/// may or may not be there).
pub fn read_if_exists(path: &Path, limit: Limit) -> Result<Option<Vec<u8>>, Error> {
    match read(path, limit) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(Error {
            problem: Problem::Io(e),
            ..
        }) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// As [`read`], into a buffer that is wiped when dropped and never reallocated (the
/// secret is never left behind in freed memory). For passwords: keep `limit` small.
pub fn read_secret(path: &Path, limit: Limit) -> Result<Zeroizing<Vec<u8>>, Error> {
    let capacity = usize::try_from(limit.bytes.saturating_add(1)).unwrap_or(usize::MAX);
    let mut bytes = Zeroizing::new(Vec::with_capacity(capacity));
    read_into(path, limit, &mut bytes)?;
    Ok(bytes)
}

fn read_into(path: &Path, limit: Limit, bytes: &mut Vec<u8>) -> Result<(), Error> {
    let fail = |problem| Error {
        path: path.to_path_buf(),
        problem,
    };
    let too_large = || fail(Problem::TooLarge { limit });
    let meta = fs::metadata(path).map_err(|e| fail(Problem::Io(e)))?;
    let file = if meta.is_file() {
        if meta.len() > limit.bytes {
            return Err(too_large());
        }
        fs::File::open(path).map_err(|e| fail(Problem::Io(e)))?
    } else if meta.is_dir() {
        return Err(fail(Problem::NotAFile("a folder")));
    } else {
        open_stream(path, &meta).map_err(fail)?
    };
    file.take(limit.bytes + 1)
        .read_to_end(bytes)
        .map_err(|e| fail(Problem::Io(e)))?;
    if bytes.len() as u64 > limit.bytes {
        return Err(too_large());
    }
    Ok(())
}

/// Opens a character device or FIFO for reading without blocking on a FIFO that has no
/// writer, then reads from it as usual (blocking until data or end of file).
#[cfg(unix)]
fn open_stream(path: &Path, meta: &fs::Metadata) -> Result<fs::File, Problem> {
    use rustix::fs::{fcntl_setfl, Mode, OFlags};
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if !(kind.is_char_device() || kind.is_fifo()) {
        return Err(Problem::NotAFile("a block device or socket"));
    }
    let io = |e: rustix::io::Errno| Problem::Io(e.into());
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(io)?;
    fcntl_setfl(&fd, OFlags::empty()).map_err(io)?;
    Ok(fs::File::from(fd))
}

#[cfg(not(unix))]
fn open_stream(_: &Path, _: &fs::Metadata) -> Result<fs::File, Problem> {
    Err(Problem::NotAFile("not a regular file"))
}

/// Opens `path` for a streamed read (a roster of any length), which must be a regular
/// file: a device or FIFO cannot be read twice, and `/dev/zero` never ends.
pub fn open_regular(path: &Path) -> Result<fs::File, Error> {
    let fail = |problem| Error {
        path: path.to_path_buf(),
        problem,
    };
    let meta = fs::metadata(path).map_err(|e| fail(Problem::Io(e)))?;
    if meta.is_dir() {
        return Err(fail(Problem::NotAFile("a folder")));
    }
    if !meta.is_file() {
        return Err(fail(Problem::NotAFile("a device, FIFO or socket")));
    }
    fs::File::open(path).map_err(|e| fail(Problem::Io(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limit = Limit::new(16, "a small thing");

    #[test]
    fn regular_files_are_read_up_to_their_limit() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        fs::write(&p, [7u8; 16]).unwrap();
        assert_eq!(read(&p, SMALL).unwrap().len(), 16);
        fs::write(&p, [7u8; 17]).unwrap();
        let e = read(&p, SMALL).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{}: larger than 16 bytes: not a small thing", p.display())
        );
        let e = read(&d.path().join("missing"), SMALL).unwrap_err();
        assert!(
            e.to_string().ends_with("missing: no such file or folder"),
            "{e}"
        );
        let e = read(d.path(), SMALL).unwrap_err();
        assert!(e.to_string().ends_with(": a folder, not a file"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn endless_devices_are_cut_off_at_the_limit() {
        let e = read(Path::new("/dev/zero"), SMALL).unwrap_err();
        assert!(matches!(e.problem, Problem::TooLarge { .. }), "{e}");
        assert_eq!(read(Path::new("/dev/null"), SMALL).unwrap(), b"");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_without_a_writer_reads_as_empty_and_a_pipe_is_read() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(read(&fifo, SMALL).unwrap(), b"");
        // What `<(printf s3cret)` gives: /dev/fd/N, a pipe whose writer has written.
        use std::io::Write;
        use std::os::fd::AsRawFd;
        let (reader, mut writer) = std::io::pipe().unwrap();
        writer.write_all(b"s3cret").unwrap();
        drop(writer);
        let path = PathBuf::from(format!("/proc/self/fd/{}", reader.as_raw_fd()));
        assert_eq!(read_secret(&path, SMALL).unwrap().as_slice(), b"s3cret");
        assert!(matches!(
            open_regular(&fifo).unwrap_err().problem,
            Problem::NotAFile(_)
        ));
    }

    #[test]
    fn limits_read_as_sizes() {
        assert_eq!(Limit::new(4096, "x").to_string(), "4 KiB");
        assert_eq!(Limit::new(16 << 20, "x").to_string(), "16 MiB");
        assert_eq!(Limit::new(100, "x").to_string(), "100 bytes");
    }
}
