//! Progress bars on standard error, drawn only when it is a terminal.

use indicatif::{ProgressBar, ProgressStyle};

/// What a bar shows: the job, the bar, steps done, time spent and time left.
const TEMPLATE: &str = "{msg:>12} [{bar:30}] {pos}/{len} ({elapsed}, about {eta} left)";

/// A bar of `len` steps; invisible when stderr is not a TTY (scripts, CI, `--json`).
pub fn bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    // TEMPLATE parses (the test below); indicatif's default stays if it ever did not.
    if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_template_parses() {
        assert!(indicatif::ProgressStyle::with_template(super::TEMPLATE).is_ok());
    }
}
