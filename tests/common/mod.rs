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
    let mut c = Command::new(env!("CARGO_BIN_EXE_pbkit"));
    // No timed progress lines in stderr, whatever the machine's speed; the test of
    // progress sets its own interval.
    c.env("PBKIT_PROGRESS_EVERY", "3600");
    c
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

/// Every line of a JSON Lines output, parsed: a line that is no JSON fails the test.
pub fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
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

/// The PKCS#12 suites pbkit writes.
pub const SUITES: [&str; 3] = ["ios-legacy", "purebred", "modern"];

/// A PKCS#12 written by `pbkit p12 create` in `suite` from the generated MDM server
/// identity with the SW CA as chain; returns (file, password file). Cached per suite.
pub fn written(suite: &str) -> (PathBuf, PathBuf) {
    let pki = generated_pki();
    let dir = pki.join("written");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("{suite}.p12"));
    let pw = dir.join(format!("{suite}.pw"));
    if !out.exists() {
        // ASCII with Purebred-alphabet punctuation: the JDK refuses non-ASCII PBES1 passwords.
        std::fs::write(&pw, format!("pw-{suite}-!@#$%^&*()[]{{}};':,./<>?`~\n")).unwrap();
        ok(pbkit()
            .args([
                "p12",
                "create",
                "--suite",
                suite,
                "--friendly-name",
                "SKP",
                "--key",
            ])
            .arg(pki.join("server/mdm-server.key.pem"))
            .arg("--cert")
            .arg(pki.join("server/mdm-server.pem"))
            .arg("--chain")
            .arg(pki.join("ca/dod-sw-ca-66.pem"))
            .arg("--out")
            .arg(&out)
            .arg("--out-password-file")
            .arg(&pw));
    }
    (out, pw)
}

/// The password in a password file (without its trailing newline).
pub fn password_of(file: &Path) -> String {
    std::fs::read_to_string(file)
        .unwrap()
        .trim_end_matches('\n')
        .to_string()
}

/// All Purebred-era fixture files.
pub fn purebred_fixtures() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(fixture("purebred-skp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    assert_eq!(v.len(), 8);
    v
}

/// `openssl pkcs12 -export` of the generated MDM server identity, with `extra` flags.
pub fn openssl_export(extra: &[&str], password_file: &Path, out: &Path) {
    let pki = generated_pki();
    ok(Command::new("openssl")
        .args(["pkcs12", "-export"])
        .args(extra)
        .arg("-inkey")
        .arg(pki.join("server/mdm-server.key.pem"))
        .arg("-in")
        .arg(pki.join("server/mdm-server.pem"))
        .arg("-passout")
        .arg(format!("file:{}", password_file.display()))
        .arg("-out")
        .arg(out));
}

/// `pbkit p12 inspect --json` with a password file.
pub fn inspect_json(password_file: &Path, file: &Path) -> serde_json::Value {
    let out = ok(pbkit()
        .args(["p12", "inspect", "--json", "--password-file"])
        .arg(password_file)
        .arg(file));
    serde_json::from_str(&out).unwrap()
}

/// Runs `cmd` with its stdout closed before it writes anything (a pipe into `head` that
/// already exited): every write the command makes meets a broken pipe.
pub fn run_with_closed_stdout(cmd: &mut Command) -> Output {
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

/// `pbkit rollout ROSTER --out OUT` with `profiles/exchange-smime-identities.toml`, signed
/// by the generated MDM server identity with its chain, inputs opened with its password.
pub fn rollout_command(roster: &Path, out: &Path) -> Command {
    let pki = generated_pki();
    let mut c = pbkit();
    c.arg("rollout")
        .arg(roster)
        .arg("--spec")
        .arg(root().join("profiles/exchange-smime-identities.toml"))
        .arg("--out")
        .arg(out)
        .arg("--signer")
        .arg(pki.join("server/mdm-server.p12"))
        .arg("--signer-password-file")
        .arg(pki.join("password"))
        .arg("--chain")
        .arg(pki.join("trust/intermediates.pem"))
        .arg("--in-password-file")
        .arg(pki.join("password"));
    c
}

/// Runs `cmd` with no stdin, failing the test if it has not ended after `secs` (it is
/// killed then): for inputs that could make pbkit hang.
pub fn run_within(cmd: &mut Command, secs: u64) -> Output {
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{cmd:?} still running after {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A private copy of a memory device in `dir` (`1, 3`: /dev/null; `1, 5`: /dev/zero), never
/// a real /dev entry; CI runs as root, which mknod needs.
pub fn memory_device(dir: &Path, name: &str, minor: u8) -> PathBuf {
    let p = dir.join(name);
    let made = Command::new("mknod")
        .arg(&p)
        .args(["c", "1", &minor.to_string()])
        .status();
    assert!(
        made.unwrap().success(),
        "mknod needs root (CI runs as root)"
    );
    p
}

/// A FIFO in `dir` that nobody writes to.
pub fn fifo(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    assert!(Command::new("mkfifo").arg(&p).status().unwrap().success());
    p
}
