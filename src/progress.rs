//! Progress on standard error: a bar on a terminal; without one (scripts, CI, a pipe into a
//! log), a line every few seconds of long work, so that a long run is never silent.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// What a bar shows: the job, the bar, steps done, time spent and time left.
const TEMPLATE: &str = "{msg:>12} [{bar:30}] {pos}/{len} ({elapsed}, about {eta} left)";

/// The environment variable that sets the seconds between progress lines without a
/// terminal (default 5; 0: a line per step).
pub const EVERY_ENV: &str = "PBKIT_PROGRESS_EVERY";

/// Progress of `len` steps.
pub struct Progress {
    bar: ProgressBar,
    /// Without a terminal: the lines' state.
    lines: Option<Lines>,
}

struct Lines {
    job: &'static str,
    len: u64,
    every: Duration,
    started: Instant,
    /// Steps done, and when the last line was printed.
    state: Mutex<(u64, Instant)>,
}

/// A bar of `len` steps on a terminal; otherwise lines every [`EVERY_ENV`] seconds.
pub fn bar(len: u64, job: &'static str) -> Progress {
    let bar = ProgressBar::new(len);
    // TEMPLATE parses (the test below); indicatif's default stays if it ever did not.
    if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(job);
    let lines = (!std::io::stderr().is_terminal()).then(|| {
        let every = every(std::env::var(EVERY_ENV).ok().as_deref());
        let now = Instant::now();
        Lines {
            job,
            len,
            every,
            started: now,
            state: Mutex::new((0, now)),
        }
    });
    Progress { bar, lines }
}

/// The seconds between lines: [`EVERY_ENV`]'s value if it is a number of seconds, else 5.
fn every(value: Option<&str>) -> Duration {
    value
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && (0.0..=1e9).contains(s))
        .map_or(Duration::from_secs(5), Duration::from_secs_f64)
}

impl Progress {
    /// `n` more steps done.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
        let Some(l) = &self.lines else {
            return;
        };
        // Counted under the lock, so lines come in order (a step takes milliseconds; this,
        // nanoseconds).
        let mut state = l.state.lock().unwrap_or_else(|p| p.into_inner());
        let (done, last) = (state.0 + n, state.1);
        state.0 = done;
        let now = Instant::now();
        if now.duration_since(last) < l.every || done >= l.len {
            return;
        }
        state.1 = now;
        crate::out::errln!(
            "pbkit: {}: {done} of {} ({}%), {:.1} s",
            l.job,
            l.len,
            done * 100 / l.len.max(1),
            now.duration_since(l.started).as_secs_f64()
        );
    }

    /// No bar on the terminal (JSON lines are being printed there); lines without a
    /// terminal stay, on stderr.
    pub fn hide_bar(&self) {
        self.bar
            .set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }

    /// Runs `f` (which prints) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the bar; the caller prints the summary.
    pub fn finish_and_clear(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn a_line_every_five_seconds_unless_the_variable_says_otherwise() {
        let five = Duration::from_secs(5);
        assert_eq!(super::every(None), five);
        assert_eq!(super::every(Some("0")), Duration::ZERO);
        assert_eq!(super::every(Some(" 0.5 ")), Duration::from_millis(500));
        for bad in ["", "x", "-1", "NaN", "inf", "1e300"] {
            assert_eq!(super::every(Some(bad)), five, "{bad}");
        }
    }

    #[test]
    fn the_template_parses() {
        assert!(indicatif::ProgressStyle::with_template(super::TEMPLATE).is_ok());
    }
}
