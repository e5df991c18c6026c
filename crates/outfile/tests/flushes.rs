//! What a group commit costs in device flushes, counted (issue 24's guard for bulk
//! writes): files committed together are flushed together, not one by one.
//!
//! Its own test binary: the counter is per process.

#![allow(clippy::unwrap_used)] // a test's unwrap is its assertion

use pbkit_outfile::{commit_group, file_flushes, stage, Journal, Perm};

#[test]
fn files_committed_together_cost_one_flush() {
    let d = tempfile::tempdir().unwrap();
    let file = |n: u32| stage(d.path().join(format!("f{n}")), b"x", Perm::Secret).unwrap();
    let count = |f: &dyn Fn()| {
        let before = file_flushes();
        f();
        file_flushes() - before
    };
    // One file: its own fsync. Five files: one syncfs on Linux, five fsyncs elsewhere.
    assert_eq!(count(&|| commit_group(file(0)).unwrap()), 1);
    let five = count(&|| commit_group((1..=5).flat_map(file)).unwrap());
    assert_eq!(five, if cfg!(target_os = "linux") { 1 } else { 5 });
    // A journal's batch of three users with two files each: flushed as one group.
    let (journal, _) = Journal::<u32>::open(&d.path().join("j"), false, 1 << 20).unwrap();
    let journal = journal.batched(3, std::time::Duration::MAX);
    let batch = count(&|| {
        for n in 0..3 {
            let files = [10 + 2 * n, 11 + 2 * n]
                .into_iter()
                .flat_map(file)
                .collect();
            journal.record(b"done", files, n).unwrap();
        }
    });
    assert_eq!(batch, if cfg!(target_os = "linux") { 1 } else { 6 });
    // An empty flush flushes nothing.
    assert_eq!(count(&|| assert!(journal.flush().unwrap().is_empty())), 0);
}
