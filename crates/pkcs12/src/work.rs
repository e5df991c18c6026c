//! A bound on the key-derivation work reading one file, and one command, may cost.
//!
//! Each iteration count is capped on its own ([`crate::pbe::MAX_ITERATIONS`]), but a file
//! may declare many derivations: 30 encrypted safes at 10^7 iterations is a 25 KB file that
//! takes minutes. Before deriving anything, the iterations a file declares are added up
//! (the MAC, each encrypted safe, then each shrouded key as its safe is opened) and
//! checked against a per-file limit and, when the caller set one, a limit on everything
//! read so far (a pack or profile holding many files).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::Error;

/// The default limit of KDF iterations per file: ~1,600 times what an `ios-legacy` file
/// declares (6,144), about a second of work.
pub const DEFAULT_FILE_LIMIT: u64 = 10_000_000;

static FILE_LIMIT: AtomicU64 = AtomicU64::new(DEFAULT_FILE_LIMIT);
static TOTAL_LIMIT: AtomicU64 = AtomicU64::new(u64::MAX);
static SPENT: AtomicU64 = AtomicU64::new(0);

/// Sets the limits for this process: KDF iterations per file, and optionally in total
/// over every file read from now on (which also starts the total again from zero).
pub fn set_kdf_limits(per_file: u64, total: Option<u64>) {
    FILE_LIMIT.store(per_file, Ordering::Relaxed);
    TOTAL_LIMIT.store(total.unwrap_or(u64::MAX), Ordering::Relaxed);
    SPENT.store(0, Ordering::Relaxed);
}

/// The KDF iterations charged since the limits were last set.
pub fn kdf_iterations_spent() -> u64 {
    SPENT.load(Ordering::Relaxed)
}

/// The work one file has declared so far.
#[derive(Default)]
pub(crate) struct Work {
    file: u64,
}

impl Work {
    /// Adds `iterations` the file declares, refusing before any is done when a limit
    /// would be passed.
    pub(crate) fn charge(&mut self, iterations: u32) -> Result<(), Error> {
        let n = u64::from(iterations);
        self.file += n;
        let file_limit = FILE_LIMIT.load(Ordering::Relaxed);
        if self.file > file_limit {
            return Err(Error::TooMuchWork {
                declared: self.file,
                limit: file_limit,
                scope: "this file",
            });
        }
        let total = SPENT.fetch_add(n, Ordering::Relaxed) + n;
        let total_limit = TOTAL_LIMIT.load(Ordering::Relaxed);
        if total > total_limit {
            return Err(Error::TooMuchWork {
                declared: total,
                limit: total_limit,
                scope: "the files read so far",
            });
        }
        Ok(())
    }
}
