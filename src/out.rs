//! Standard output that a closed pipe cannot turn into a panic.
//!
//! `pbkit … | head -2` closes stdout early. `println!` would panic there (exit 101); pbkit
//! instead stops printing to it and goes on, so that a long job (rollout, a folder push)
//! finishes its files and the command's exit code stands: 1 when a row failed, whoever
//! read the report.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set when an output flag names `-`: stdout carries that output, so reports (text and
/// JSON) go to stderr, where they cannot corrupt it.
static STDOUT_IS_DATA: AtomicBool = AtomicBool::new(false);

/// Output flags whose value `-` means standard output.
const OUTPUT_FLAGS: [&str; 3] = ["--out", "--report", "--out-password-file"];

/// Looks at the command line for an output flag naming `-` (see [`STDOUT_IS_DATA`]).
pub fn claim_stdout_for_data(args: impl IntoIterator<Item = std::ffi::OsString>) {
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let named = args
        .windows(2)
        .any(|w| OUTPUT_FLAGS.contains(&w[0].as_str()) && w[1] == "-")
        || args
            .iter()
            .any(|a| OUTPUT_FLAGS.iter().any(|f| *a == format!("{f}=-")));
    STDOUT_IS_DATA.store(named, Ordering::Relaxed);
}

/// Writes one line to stderr, control characters escaped and kept on one line (see
/// [`printable`]): warnings, notes and errors, whose text may come from a file or server.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::out::err_line(format_args!($($arg)*)) };
}
pub(crate) use errln;

/// A warning on stderr, with the one prefix every warning has: `pbkit: warning: …`.
macro_rules! warnln {
    ($($arg:tt)*) => {
        $crate::out::err_line(format_args!("pbkit: warning: {}", format_args!($($arg)*)))
    };
}
pub(crate) use warnln;

/// See [`errln!`].
pub fn err_line(args: fmt::Arguments<'_>) {
    let text = args.to_string();
    let _ = writeln!(io::stderr().lock(), "{}", printable(&text, false));
}

/// `text` as a terminal may show it: every control character (ESC, BEL, CR, backspace…;
/// with `lines`, all but newline and tab) written as an escape (`\u{1b}`), so that text
/// taken from a file or a server cannot move the cursor, retitle the window or hide what
/// was printed before it.
pub fn printable(text: &str, lines: bool) -> std::borrow::Cow<'_, str> {
    let keep = |c: char| !c.is_control() || (lines && matches!(c, '\n' | '\t'));
    if text.chars().all(keep) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if keep(c) {
                c.to_string()
            } else {
                c.escape_default().to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// Writes one line to stdout. Once the reader has gone (`pbkit … | head -2`), writes
/// nothing more, and the command ends with its own exit code: a failure after the reader
/// left still exits 1. Another error is ignored.
macro_rules! outln {
    () => { $crate::out::line(format_args!("")) };
    ($($arg:tt)*) => { $crate::out::line(format_args!($($arg)*)) };
}
pub(crate) use outln;

/// See [`outln!`].
pub fn line(args: fmt::Arguments<'_>) {
    written(|| {
        let text = args.to_string();
        report_bytes(format!("{}\n", printable(&text, true)).as_bytes())
    });
}

/// Writes a rendered report (already ending in a newline) to stdout, as [`line`] does.
pub fn text(report: &str) {
    written(|| report_bytes(printable(report, true).as_bytes()));
}

/// Set once stdout's reader has gone: nothing more is written to it.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

fn written(write: impl FnOnce() -> io::Result<()>) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = write() {
        if e.kind() == io::ErrorKind::BrokenPipe {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
    }
}

fn report_bytes(b: &[u8]) -> io::Result<()> {
    if STDOUT_IS_DATA.load(Ordering::Relaxed) {
        let mut err = io::stderr().lock();
        err.write_all(b)?;
        return err.flush();
    }
    bytes(b)
}

/// Writes bytes to stdout (a plist, a man page, a completion script).
pub fn bytes(b: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(b)?;
    out.flush()
}

/// Whether an error is a closed stdout: not worth a message.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

pub use pbkit_words::{count, plural};

/// An error as one line: each cause once, I/O errors in words without their `(os error N)`.
/// Library errors often repeat their source in their own text (`path: {source}`); a cause
/// whose text the line already holds is not added again.
pub fn describe(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !line.is_empty() && line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    // Every I/O error's text, wherever it stands, in words.
    for cause in e.chain() {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            line = line.replace(&io.to_string(), &pbkit_outfile::io_reason(io));
        }
    }
    line
}
