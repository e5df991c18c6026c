//! Progress bars on standard error, drawn only when it is a terminal.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps; invisible when stderr is not a TTY (scripts, CI, `--json`).
pub fn bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} ({elapsed})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}
