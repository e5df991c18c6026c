//! Helpers shared by the end-to-end and interop tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `tests/fixtures`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// The pbkit binary under test.
pub fn pbkit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pbkit"))
}

/// Runs a command; panics with its output if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (.ci/run installs the interop tools)"))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and asserts success, returning stdout.
pub fn ok(cmd: &mut Command) -> String {
    let o = run(cmd);
    assert!(
        o.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        o.status,
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// The instant every shared generated PKI is valid around (tests never depend on today).
pub const AT: &str = "2026-11-22T12:00:00Z";

/// A test PKI generated once per test binary with `pbkit fixtures`, kept for its lifetime.
pub fn generated_pki() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("pki");
        ok(pbkit()
            .args([
                "fixtures",
                "--users",
                "2",
                "--generations",
                "3",
                "--at",
                AT,
                "--out",
            ])
            .arg(&out));
        // Kept until the test binary exits; the OS temp cleaner owns it after that.
        std::mem::forget(dir);
        out
    })
}

/// The manifest of [`generated_pki`].
pub fn manifest() -> serde_json::Value {
    let text = std::fs::read_to_string(generated_pki().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Manifest entries with the given format.
pub fn files_of(format: &str) -> Vec<serde_json::Value> {
    manifest()["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["format"] == format)
        .cloned()
        .collect()
}
