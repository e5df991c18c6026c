//! Hostile inputs and hostile environments (issue 12), as tables: pbkit never replaces what
//! is not a regular file, leaves nothing of a killed run behind, keeps folders private
//! whatever the umask, never prints a password, and bounds its cost on any input: endless
//! devices, FIFOs without a writer, zip bombs, files declaring hours of key derivation,
//! servers that send one byte at a time, profiles built to hundreds of megabytes.

use crate::common::*;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// A private copy of /dev/null in `dir`.
fn null_device(dir: &Path, name: &str) -> PathBuf {
    memory_device(dir, name, 3)
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn pki() -> &'static Path {
    generated_pki()
}

fn password() -> PathBuf {
    pki().join("password")
}

/// A signed and a plain profile in `dir`.
fn profiles(dir: &Path) -> (PathBuf, PathBuf) {
    let plain = dir.join("plain.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/dod-trust.toml"))
        .arg("--out")
        .arg(&plain));
    let signed = dir.join("signed.mobileconfig");
    ok(pbkit()
        .args(["profile", "sign"])
        .arg(&plain)
        .arg("--signer")
        .arg(pki().join("server/mdm-server.p12"))
        .arg("--signer-password-file")
        .arg(password())
        .arg("--out")
        .arg(&signed));
    (plain, signed)
}

/// Every subcommand that writes a file, with `{out}` where the output goes.
fn writers(dir: &Path) -> Vec<(&'static str, Vec<String>)> {
    let (plain, signed) = profiles(dir);
    let p12 = pki().join("users/test.user1/signature-g3.p12");
    vec![
        (
            "profile build",
            vec![
                "profile".into(),
                "build".into(),
                s(&root().join("profiles/dod-trust.toml")),
            ],
        ),
        (
            "profile unsign",
            vec!["profile".into(), "unsign".into(), s(&signed)],
        ),
        (
            "profile sign",
            vec![
                "profile".into(),
                "sign".into(),
                s(&plain),
                "--signer".into(),
                s(&pki().join("server/mdm-server.p12")),
                "--signer-password-file".into(),
                s(&password()),
            ],
        ),
        (
            "p12 repack",
            vec![
                "p12".into(),
                "repack".into(),
                s(&p12),
                "--in-password-file".into(),
                s(&password()),
                "--out-password-file".into(),
                s(&password()),
            ],
        ),
        (
            "chain build",
            vec![
                "chain".into(),
                "build".into(),
                s(&pki().join("server/mdm-server.pem")),
                "--pool".into(),
                s(&pki().join("ca")),
                "--anchor".into(),
                s(&pki().join("trust/anchor.pem")),
                "--at".into(),
                AT.into(),
            ],
        ),
    ]
}

#[test]
fn an_output_that_is_a_device_is_written_as_a_stream_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, args) in writers(tmp.path()) {
        let device = null_device(tmp.path(), &format!("{}-null", name.replace(' ', "-")));
        let o = run(pbkit().args(&args).arg("--out").arg(&device));
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let kind = std::fs::symlink_metadata(&device).unwrap().file_type();
        assert!(kind.is_char_device(), "{name} replaced the device");
    }
}

#[test]
fn an_output_that_is_a_link_is_refused_and_both_are_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, args) in writers(tmp.path()) {
        let target = tmp
            .path()
            .join(format!("{}-target", name.replace(' ', "-")));
        std::fs::write(&target, "the user's file").unwrap();
        let link = tmp.path().join(format!("{}-link", name.replace(' ', "-")));
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let o = run(pbkit().args(&args).arg("--out").arg(&link));
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.lines()
                .last()
                .unwrap()
                .contains("a symbolic link, which pbkit does not replace"),
            "{name}: {err}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "the user's file");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }
}

#[test]
fn dash_is_standard_output_and_the_report_moves_to_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let new_pw = tmp.path().join("new.pw");
    let o = run(pbkit()
        .args(["p12", "repack"])
        .arg(pki().join("users/test.user1/signature-g3.p12"))
        .arg("--in-password-file")
        .arg(password())
        .args(["--out", "-", "--out-password-file"])
        .arg(&new_pw));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("wrote - ("), "{}", stderr(&o));
    let p12 = tmp.path().join("from-stdout.p12");
    std::fs::write(&p12, &o.stdout).unwrap();
    let v = inspect_json(&new_pw, &p12);
    assert_eq!(v["identities"].as_array().unwrap().len(), 1);
    // A folder cannot be standard output.
    let o = run(pbkit().args(["fixtures", "--out", "-"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("standard output (`-`) cannot be a folder"));
}

/// `fixtures` killed while it stages its folder leaves the staging (where the private keys
/// go) and its lock; the next run for the same folder removes both.
#[test]
fn a_killed_fixtures_run_is_cleaned_up_by_the_next_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pki");
    let mut child = pbkit()
        .args(["fixtures", "--users", "40", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let staged = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".pki.pbkit-"))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    // Killed once it stages (the keys it generates are written there).
    loop {
        if staged(tmp.path()).len() == 2 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the kill"
        );
        assert!(Instant::now() < deadline, "no staging seen");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        staged(tmp.path()).len(),
        2,
        "the staged folder and its lock"
    );
    assert!(!out.exists());

    ok(pbkit()
        .args(["fixtures", "--users", "1", "--generations", "1", "--out"])
        .arg(&out));
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["pki"]);
}

/// Under `umask 000`, every folder pbkit makes is still owner-only, and every secret file
/// 0600.
#[test]
fn folders_are_private_whatever_the_umask() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_pbkit");
    let sh = |line: String| {
        let o = run(Command::new("sh")
            .arg("-c")
            .arg(format!("umask 000; exec {bin} {line}"))
            .current_dir(tmp.path()));
        assert!(o.status.success(), "{line}: {}", stderr(&o));
    };
    sh("fixtures --users 1 --generations 1 --out fx".into());
    sh("keyshare pack fx/users/test.user1 --in-password-file fx/password --out pack".into());
    std::fs::create_dir(tmp.path().join("roster")).unwrap();
    for f in ["signature-g1.p12", "encryption-g1.p12"] {
        std::fs::copy(
            tmp.path().join("fx/users/test.user1").join(f),
            tmp.path().join("roster").join(f),
        )
        .unwrap();
    }
    std::fs::write(
        tmp.path().join("roster/roster.csv"),
        "email,username,display_name,signing_p12,encryption_p12\n\
         test.user1@pbkit.test,u1,U1,signature-g1.p12,encryption-g1.p12\n",
    )
    .unwrap();
    sh(format!(
        "rollout roster/roster.csv --spec {} --out out --signer fx/server/mdm-server.p12 \
         --signer-password-file fx/password --in-password-file fx/password \
         --password-mode file --keyshare 2025",
        s(&root().join(SPEC))
    ));
    for folder in [
        "fx",
        "fx/users",
        "fx/users/test.user1",
        "fx/server",
        "pack",
        "pack/p12",
        "out",
        "out/u1.keyshare",
        "out/u1.keyshare/p12",
    ] {
        assert_eq!(mode(&tmp.path().join(folder)), 0o700, "{folder}");
    }
    for secret in [
        "fx/password",
        "fx/server/mdm-server.key.pem",
        "pack/password",
        "out/u1.mobileconfig",
        "out/u1.password",
    ] {
        assert_eq!(mode(&tmp.path().join(secret)), 0o600, "{secret}");
    }
}

const SPEC: &str = "profiles/exchange-smime-identities.toml";

/// A roster beside copies of test.user1's files.
fn roster_with_user1(dir: &Path, extra_rows: &str) -> PathBuf {
    for f in ["signature-g3.p12", "encryption-g3.p12"] {
        std::fs::copy(pki().join("users/test.user1").join(f), dir.join(f)).unwrap();
    }
    let roster = dir.join("roster.csv");
    std::fs::write(
        &roster,
        format!(
            "email,username,display_name,signing_p12,encryption_p12,password_env\n\
             test.user1@pbkit.test,u1,U1,signature-g3.p12,encryption-g3.p12,\n{extra_rows}"
        ),
    )
    .unwrap();
    roster
}

#[test]
fn rollout_refuses_a_folder_of_other_files_and_a_resume_keeps_the_users_own() {
    let tmp = tempfile::tempdir().unwrap();
    let roster = roster_with_user1(tmp.path(), "");
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = run(&mut rollout_command(&roster, &out));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("folder is not empty"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);

    std::fs::remove_file(out.join("notes.txt")).unwrap();
    ok(&mut rollout_command(&roster, &out));
    // The user's own look-alikes of pbkit's staging names survive a resume.
    for mine in [".pbkit-notes", ".u1.mobileconfig.pbkit-mine"] {
        std::fs::create_dir(out.join(mine)).unwrap();
        std::fs::write(out.join(mine).join("keep"), "mine").unwrap();
    }
    ok(rollout_command(&roster, &out).arg("--resume"));
    for mine in [".pbkit-notes", ".u1.mobileconfig.pbkit-mine"] {
        assert!(out.join(mine).join("keep").exists(), "{mine} removed");
    }
}

#[test]
fn roster_rows_reach_outside_their_folder_only_when_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let roster = roster_with_user1(
        tmp.path(),
        &format!(
            "test.user1@pbkit.test,abs,A,{},encryption-g3.p12,\n\
             test.user1@pbkit.test,env,E,signature-g3.p12,encryption-g3.p12,HOME\n",
            s(&pki().join("users/test.user1/signature-g3.p12"))
        ),
    );
    let o = run(rollout_command(&roster, &tmp.path().join("out")).arg("--json"));
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("signing_p12: ") && text.contains("is outside the roster's folder"));
    assert!(text.contains("password_env: HOME does not start with PBKIT_"));
    let o =
        run(rollout_command(&roster, &tmp.path().join("out2")).args(["--allow-outside", "--json"]));
    // With --allow-outside the absolute path is read; HOME holds no PKCS#12 password.
    let text = stdout(&o);
    assert!(
        text.contains(r#""status":"ok","item":"abs","line":3,"username":"abs""#),
        "{text}"
    );
}

/// Every password input, given a value that is not UTF-8 (as a mistyped export can be)
/// and holds a canary: no message shows it.
#[test]
fn no_message_shows_a_password() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    // Random, so that no message can hold it by accident of its wording; a byte that is
    // not UTF-8 at its end.
    let word = pbkit_pkcs12::Password::generate().as_str().to_string();
    let bytes = [word.as_bytes(), b"\xff"].concat();
    let canary = std::ffi::OsStr::from_bytes(&bytes);
    let p12 = pki().join("users/test.user1/signature-g3.p12");
    let key = pki().join("server/mdm-server.key.pem");
    let (plain, _) = profiles(tmp.path());
    let roster = roster_with_user1(
        tmp.path(),
        "test.user1@pbkit.test,u2,U2,signature-g3.p12,encryption-g3.p12,PBKIT_CANARY\n",
    );
    let t = tmp.path().display().to_string();
    let (p12, key, plain, roster) = (s(&p12), s(&key), s(&plain), s(&roster));
    let (pki, spec, pw) = (s(pki()), s(&root().join(SPEC)), s(&password()));
    let chain_p12 = format!(
        "chain p12 --key {key} --leaf {pki}/server/mdm-server.pem --pool {pki}/ca \
         --anchor {pki}/trust/anchor.pem"
    );
    let rollout = format!("rollout {roster} --spec {spec} --signer {pki}/server/mdm-server.p12");
    // One command line per case (no path holds a space).
    let cases = [
        format!("p12 inspect {p12} --password-env PBKIT_CANARY"),
        format!("p12 repack {p12} --in-password-env PBKIT_CANARY --out {t}/a.p12"),
        format!(
            "p12 repack {p12} --in-password-file {pw} --out-password-env PBKIT_CANARY \
             --out {t}/b.p12"
        ),
        format!("keyshare open {p12} --password-env PBKIT_CANARY"),
        format!("{chain_p12} --out {t}/c.p12 --out-password-env PBKIT_CANARY"),
        format!(
            "{chain_p12} --key-password-env PBKIT_CANARY --out {t}/d.p12 \
             --out-password-file {t}/d.pw"
        ),
        format!(
            "profile sign {plain} --signer {pki}/server/mdm-server.p12 \
             --signer-password-env PBKIT_CANARY --out {t}/e.mobileconfig"
        ),
        format!("keyshare pack {p12} --in-password-env PBKIT_CANARY --out {t}/pack"),
        format!("{rollout} --out {t}/r1 --signer-password-env PBKIT_CANARY"),
        format!(
            "{rollout} --out {t}/r2 --signer-password-file {pw} \
             --in-password-env PBKIT_CANARY --json"
        ),
    ];
    for line in cases {
        let args: Vec<&str> = line.split_whitespace().collect();
        let o = run(pbkit().args(&args).env("PBKIT_CANARY", canary));
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(
            !o.status.success() || args[0] == "rollout",
            "{args:?}: {all}"
        );
        assert!(
            !all.contains(&word[..16]) && !all.contains(&word[16..]),
            "{args:?} shows the password: {all}"
        );
        assert!(
            all.contains("PBKIT_CANARY"),
            "{args:?} does not name the source: {all}"
        );
    }
}

/// /dev/zero, a FIFO nobody writes to and a block-less endless stream, given where a file
/// is read: one line naming the file, exit 1, within seconds.
#[test]
fn endless_and_blocking_inputs_end_at_once_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = fifo(tmp.path(), "fifo");
    let (plain, signed) = profiles(tmp.path());
    let (plain, signed, fifo) = (s(&plain), s(&signed), s(&fifo));
    let p12 = s(&pki().join("users/test.user1/signature-g3.p12"));
    let (pki, spec, pw, t) = (
        s(pki()),
        s(&root().join(SPEC)),
        s(&password()),
        tmp.path().display().to_string(),
    );
    let signer = format!("--signer {pki}/server/mdm-server.p12 --signer-password-file {pw}");
    // One command line per case (no path holds a space), and what its error says.
    let cases = [
        (
            "p12 inspect /dev/zero".to_string(),
            "/dev/zero: larger than 4 MiB: not a PKCS#12 file",
        ),
        (
            format!("p12 inspect {p12} --password-file /dev/zero"),
            "/dev/zero: larger than 4 KiB: not a password file",
        ),
        ("profile lint /dev/zero".into(), "larger than 16 MiB"),
        (
            "profile inspect /dev/zero".into(),
            "/dev/zero: larger than 16 MiB: not a profile, spec or signer file",
        ),
        (
            format!("profile build /dev/zero --out {t}/b"),
            "/dev/zero: larger than 16 MiB",
        ),
        (
            format!("profile verify {signed} --anchor /dev/zero"),
            "/dev/zero: larger than 16 MiB: not a certificate file",
        ),
        (
            format!("profile sign {plain} {signer} --chain /dev/zero --out {t}/x"),
            "/dev/zero: larger than 16 MiB: not a certificate file",
        ),
        (
            "cert show /dev/zero".into(),
            "/dev/zero: larger than 16 MiB: not a certificate file",
        ),
        (
            format!("keyshare open /dev/zero --password-file {pw}"),
            "/dev/zero: larger than 64 MiB: not a key-sharing pack",
        ),
        (
            format!("rollout /dev/zero --spec {spec} --out {t}/r {signer}"),
            "/dev/zero: a device, FIFO or socket, not a file",
        ),
        (format!("p12 inspect {fifo}"), "not a PKCS#12 file"),
        (
            format!("p12 inspect {p12} --password-file {fifo}"),
            "wrong password",
        ),
    ];
    for (line, expected) in cases {
        let args: Vec<&str> = line.split_whitespace().collect();
        let o = run_within(pbkit().args(&args), 30);
        let (out, err) = (stdout(&o), stderr(&o));
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        // One line on stderr, or (lint) a finding on stdout.
        assert!(err.lines().count() <= 1, "{args:?}: {err}");
        assert!(
            err.contains(expected) || out.contains(expected),
            "{args:?}: {out}{err}"
        );
    }
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    let tmp = tempfile::tempdir().unwrap();
    let bomb = tmp.path().join("All.zip");
    let made = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n\
             \x20   z.writestr('Signature_1.p12', bytes(1 << 30))\n",
        )
        .arg(&bomb)
        .status()
        .unwrap();
    assert!(made.success());
    assert!(
        std::fs::metadata(&bomb).unwrap().len() < 2 << 20,
        "a small file"
    );
    let o = run_within(
        pbkit()
            .args(["keyshare", "open"])
            .arg(&bomb)
            .arg("--password-file")
            .arg(password()),
        30,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Signature_1.p12: inflates to 1073741824 bytes, more than 4 MiB"),
        "{}",
        stderr(&o)
    );
}

/// The KDF work a file declares is checked before any is done: per file, and over a
/// command reading several (a pack's entries).
#[test]
fn key_derivation_work_is_capped_per_file_and_per_command() {
    let skp = purebred_fixtures()[0].clone();
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("skp.pw");
    std::fs::write(&pw, "password").unwrap();
    let inspect = |limit: &str| {
        run(pbkit()
            .args([
                "p12",
                "inspect",
                "--max-kdf-iterations",
                limit,
                "--password-file",
            ])
            .arg(&pw)
            .arg(&skp))
    };
    // The fixture declares 1 (MAC) + 2048 (certificate safe) + 2048 (key) iterations.
    let o = inspect("4096");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(
            "declares 4097 key-derivation iterations for this file, over the limit of 4096"
        ),
        "{}",
        stderr(&o)
    );
    assert!(inspect("4097").status.success());

    // All.zip of test.user1's pack: 6 identities in the purebred suite, each declaring
    // 2,049 (a MAC of 1 iteration, the key's 2,048). With a per-file limit of 2,100 each
    // entry passes, but the command stops at 4 x 2,100: the 5th and 6th are refused.
    let pack = tmp.path().join("pack");
    ok(pbkit()
        .args(["keyshare", "pack"])
        .arg(pki().join("users/test.user1"))
        .arg("--in-password-file")
        .arg(password())
        .arg("--out")
        .arg(&pack));
    let o = run(pbkit()
        .args(["keyshare", "open", "--json", "--max-kdf-iterations", "2100"])
        .arg(pack.join("All.zip"))
        .arg("--password-file")
        .arg(pack.join("password")));
    assert_eq!(o.status.code(), Some(1));
    let entries: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let stopped = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["problems"]
                .to_string()
                .contains("for the files read so far")
        })
        .count();
    assert_eq!(stopped, 2, "{entries:#}");
}

/// A "server" that answers every connection with one byte per 700 ms, forever: each read
/// is within --timeout, so only the deadline ends the probe.
#[test]
fn preflight_stops_at_its_deadline_against_a_dribbling_server() {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let server = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut clients = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                if let Ok((c, _)) = listener.accept() {
                    clients.push(c);
                }
                for c in &mut clients {
                    let _ = c.write_all(b"\x16");
                }
                std::thread::sleep(Duration::from_millis(700));
            }
        })
    };
    let start = Instant::now();
    let o = run_within(
        pbkit()
            .args(["preflight", "tls", &format!("127.0.0.1:{port}")])
            .args(["--timeout", "2", "--deadline", "4"]),
        60,
    );
    let took = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    server.join().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("stopped at the deadline of 4 s"),
        "{}",
        stdout(&o)
    );
    // The deadline, plus at most one connect and one read timeout.
    assert!(took < Duration::from_secs(4 + 2 + 2 + 2), "{took:?}");
}

#[test]
fn profile_build_refuses_an_absurd_profile_and_warns_over_apples_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = |name: &str, payloads: usize, big: usize| {
        let mut text = format!(
            "[profile]\nidentifier = \"mil.example.big\"\ndisplay_name = \"Big\"\n\n\
             [vars]\nbig = \"{}\"\n",
            "A".repeat(big)
        );
        for i in 0..payloads {
            text += &format!(
                "\n[[payloads]]\nname = \"p{i}\"\ntype = \"com.apple.eas.account\"\n\
                 display_name = \"{{{{big}}}}\"\n"
            );
        }
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let out = tmp.path().join("big.mobileconfig");
    let o = run(pbkit()
        .args(["profile", "build"])
        .arg(spec("absurd.toml", 200, 100_000))
        .arg("--out")
        .arg(&out));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("over the 16 MiB pbkit writes"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let o = run(pbkit()
        .args(["profile", "build"])
        .arg(spec("large.toml", 12, 100_000))
        .arg("--out")
        .arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("pbkit: warning: ")
            && stderr(&o).contains("Intune and Fleet reject"),
        "{}",
        stderr(&o)
    );
}
