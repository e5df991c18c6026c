//! Hostile inputs on the surfaces that came after issue 12 (issue 23): `ddm`, `profile
//! diff|encrypt|decrypt`. Names taken from a profile never leave `--out`, plists nested
//! without end or expanding without end are refused before anything recursive reads them,
//! every input is read bounded, and each refusal is one line naming the input.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const BASE: &str = "https://mdm.example.mil/ddm/assets/";

fn spec(name: &str) -> PathBuf {
    root().join("profiles").join(format!("{name}.toml"))
}

/// `profiles/purebred-exchange.toml` built to `dir/plain.mobileconfig`.
fn plain_profile(dir: &Path) -> PathBuf {
    let plain = dir.join("plain.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(spec("purebred-exchange"))
        .arg("--out")
        .arg(&plain));
    plain
}

/// Every file below `dir`, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// An identifier of `../../../victim` (from `--var`, or inside a profile given to
/// convert) is refused with one line before anything is written: the file it aimed at,
/// and everything else beside the output folder, is untouched.
#[test]
fn ddm_names_from_identifiers_never_leave_the_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("victim.json");
    std::fs::write(&outside, "precious").unwrap();
    let work = tmp.path().join("a/b/c");
    std::fs::create_dir_all(&work).unwrap();
    let hostile = [
        "../../../victim",
        "/tmp/absolute",
        ".hidden",
        "a/b",
        "back\\slash",
        "bell\u{7}",
    ];
    for identifier in hostile {
        let before = snapshot(tmp.path());
        let var = format!("identifier={identifier}");
        let o = run(pbkit()
            .args(["ddm", "build"])
            .arg(spec("purebred-exchange"))
            .arg("--out")
            .arg(work.join("out"))
            .args(["--asset-base-url", BASE, "--var", &var, "--var"])
            .arg("host=mail.example.mil"));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{identifier:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{identifier:?}: {err}");
        assert!(
            err.contains("cannot name a file under the output folder"),
            "{identifier:?}: {err}"
        );
        assert_eq!(
            before,
            snapshot(tmp.path()),
            "{identifier:?} wrote something"
        );
    }
    // The same identifier inside a profile (PayloadIdentifier is free text there).
    let profile = tmp.path().join("hostile.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(spec("purebred-exchange"))
        .arg("--out")
        .arg(&profile)
        .args(["--var", "identifier=../../../victim", "--var"])
        .arg("host=mail.example.mil"));
    let o = run(pbkit()
        .args(["ddm", "convert"])
        .arg(&profile)
        .arg("--out")
        .arg(work.join("out"))
        .args(["--asset-base-url", BASE]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(r#"PayloadIdentifier "../../../victim" cannot name a file"#),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
    assert!(!work.join("out").exists());
}

/// An asset base that is not an https URL with a host, or that has a query, fragment,
/// user name, space or newline, is a usage error (exit 2) naming the flag.
#[test]
fn asset_base_urls_are_checked_as_urls() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("https://", "is not a URL"),
        ("https:///assets/", "is not a URL"),
        ("http://mdm.example.mil/a/", "is not an https:// URL"),
        (
            "https://mdm.example.mil/a/?sig=1",
            "has a query or fragment",
        ),
        ("https://mdm.example.mil/a/#x", "has a query or fragment"),
        ("https://mdm.example.mil/a\n/", "space or control character"),
        ("https://mdm.example.mil/a b/", "space or control character"),
        ("https://admin@mdm.example.mil/a/", "carries a user name"),
    ];
    for (url, expected) in cases {
        let o = run(pbkit()
            .args(["ddm", "build"])
            .arg(spec("dod-trust"))
            .arg("--out")
            .arg(tmp.path().join("out"))
            .args(["--asset-base-url", url]));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{url:?}: {err}");
        assert!(
            err.starts_with("pbkit: --asset-base-url: ") && err.contains(expected),
            "{url:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{url:?}: {err}");
    }
    assert!(!tmp.path().join("out").exists());
}

/// XML nested 20,000 deep (about 400 KB): refused by every reader with one line, never a
/// stack overflow, and profile encrypt writes nothing.
fn deep_plist(dir: &Path) -> PathBuf {
    let depth = 20_000;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\
         <key>PayloadType</key><string>Configuration</string>\
         <key>PayloadIdentifier</key><string>deep</string>\
         <key>PayloadUUID</key><string>9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB6D</string>\
         <key>PayloadVersion</key><integer>1</integer><key>PayloadContent</key>",
    );
    xml.push_str(&"<array>".repeat(depth));
    xml.push_str(&"</array>".repeat(depth));
    xml.push_str("</dict></plist>\n");
    let p = dir.join("deep.mobileconfig");
    std::fs::write(&p, xml).unwrap();
    p
}

/// A binary plist of 30 arrays, each naming the next ten times: 10^30 values from about
/// 600 bytes (written by Python's plistlib, which shares a repeated container).
fn expanding_plist(dir: &Path) -> PathBuf {
    let p = dir.join("laughs.mobileconfig");
    let script = "import plistlib,sys\n\
        a=['x']\n\
        for _ in range(30): a=[a]*10\n\
        d={'PayloadType':'Configuration','PayloadIdentifier':'x','PayloadVersion':1,\
        'PayloadUUID':'9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB6D','PayloadContent':a}\n\
        open(sys.argv[1],'wb').write(plistlib.dumps(d,fmt=plistlib.FMT_BINARY))\n";
    let o = run(Command::new("python3").args(["-c", script]).arg(&p));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::metadata(&p).unwrap().len() < 2000);
    p
}

#[test]
fn plists_nested_or_expanding_without_end_are_refused_by_every_reader() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let device = pki.join("server/mdm-server.pem");
    for (input, expected) in [
        (deep_plist(t), "the plist nests more than 64 levels deep"),
        (
            expanding_plist(t),
            "the plist holds more than 4000000 values",
        ),
    ] {
        let i = input.display().to_string();
        let out = t.join("out");
        let cases: Vec<Vec<String>> = vec![
            vec!["profile".into(), "diff".into(), i.clone(), i.clone()],
            vec!["profile".into(), "lint".into(), i.clone()],
            vec!["profile".into(), "inspect".into(), i.clone()],
            vec!["profile".into(), "verify".into(), i.clone()],
            vec![
                "profile".into(),
                "encrypt".into(),
                i.clone(),
                "--to".into(),
                device.display().to_string(),
                "--out".into(),
                out.display().to_string(),
            ],
            vec![
                "ddm".into(),
                "convert".into(),
                i.clone(),
                "--out".into(),
                out.display().to_string(),
                "--asset-base-url".into(),
                BASE.into(),
            ],
        ];
        for args in cases {
            let o = run_within(pbkit().args(&args), 60);
            let all = stdout(&o) + &stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {all}");
            assert!(all.contains(expected), "{args:?}: {all}");
            assert!(!out.exists(), "{args:?} wrote {}", out.display());
        }
    }
}

/// ddm lint given /dev/zero, a FIFO nobody writes, or a folder whose asset data is
/// endless: bounded reads, one finding each, within seconds.
#[test]
fn ddm_lint_reads_declarations_and_assets_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let zero = memory_device(tmp.path(), "zero.json", 5);
    let fifo = fifo(tmp.path(), "fifo.json");
    for (input, expected) in [
        (&zero, "larger than 1 MiB: not a declaration or manifest"),
        (&fifo, "not JSON"),
    ] {
        let o = run_within(pbkit().args(["ddm", "lint"]).arg(input), 30);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stdout(&o).contains(expected), "{}", stdout(&o));
    }
    // A real build whose identity asset is replaced by an endless device.
    let out = tmp.path().join("ddm");
    ok(pbkit()
        .args(["ddm", "build"])
        .arg(spec("purebred-exchange"))
        .arg("--out")
        .arg(&out)
        .args(["--asset-base-url", BASE, "--var", "host=mail.example.mil"]));
    let asset = std::fs::read_dir(out.join("assets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("credentials"))
        .unwrap();
    std::fs::remove_file(&asset).unwrap();
    std::os::unix::fs::symlink(&zero, &asset).unwrap();
    let o = run_within(pbkit().args(["ddm", "lint"]).arg(&out), 30);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("larger than 16 MiB: not an asset data file"),
        "{}",
        stdout(&o)
    );
}

/// A random word no output may contain (a fixed canary could be allow-listed by mistake).
pub fn canary() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    format!("Canary{:016x}", h.finish())
}

/// Two profiles whose Exchange account passwords differ: diff (text and JSON) says the
/// password changed and never what it was or is.
#[test]
fn profile_diff_never_shows_a_password() {
    let tmp = tempfile::tempdir().unwrap();
    let spec_text = std::fs::read_to_string(spec("purebred-exchange"))
        .unwrap()
        .replace("SSL = true", "SSL = true\nPassword = \"{{pw}}\"");
    let spec_path = tmp.path().join("with-password.toml");
    std::fs::write(&spec_path, spec_text).unwrap();
    let (a, b) = (canary(), canary());
    let mut files = Vec::new();
    for (name, pw) in [("a", &a), ("b", &b)] {
        let out = tmp.path().join(format!("{name}.mobileconfig"));
        ok(pbkit()
            .args(["profile", "build"])
            .arg(&spec_path)
            .arg("--out")
            .arg(&out)
            .arg("--var")
            .arg(format!("pw={pw}")));
        assert!(std::fs::read_to_string(&out).unwrap().contains(pw.as_str()));
        files.push(out);
    }
    for json in [false, true] {
        let o = run(pbkit()
            .args(["profile", "diff"])
            .args(&files)
            .args(json.then_some("--json")));
        let all = stdout(&o) + &stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{all}");
        assert!(!all.contains(&a) && !all.contains(&b), "{all}");
        assert!(all.contains("<secret>"), "{all}");
    }
}

/// Names from a file reach the terminal with their control characters escaped: an ESC
/// sequence in a payload's name cannot clear the screen or retitle the window, a CR
/// cannot hide the start of a line, in reports and in errors alike.
#[test]
fn control_characters_from_files_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("esc.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(spec("purebred-exchange"))
        .arg("--out")
        .arg(&profile)
        .args([
            "--var",
            "identifier=mil.example\u{1b}]0;owned\u{7}\u{1b}[2J\rx",
        ]));
    let bad = tmp.path().join("bad\u{1b}[31m.mobileconfig");
    std::fs::write(&bad, "not a plist").unwrap();
    for args in [
        vec![profile.clone().into_os_string()],
        vec![bad.clone().into_os_string()],
    ] {
        let o = run(pbkit().args(["profile", "inspect"]).args(&args));
        let all = stdout(&o) + &stderr(&o);
        assert!(
            !all.contains(['\u{1b}', '\u{7}', '\r']),
            "{args:?}: {all:?}"
        );
        assert!(all.contains("\\u{1b}"), "{args:?}: {all:?}");
    }
}

/// profile encrypt refuses, naming the file, a recipient no device could decrypt with:
/// a CA certificate, a signing-only certificate, one expired or not yet valid at --at.
#[test]
fn encryption_recipients_are_devices_that_can_decrypt() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let plain = plain_profile(tmp.path());
    let out = tmp.path().join("encrypted.mobileconfig");
    let device = "users/test.user1/device-g3.pem";
    let cases = [
        (
            "ca/dod-email-ca-63.pem",
            AT,
            "a CA certificate, not a device's",
        ),
        (
            "users/test.user1/signature-g3.pem",
            AT,
            "its key usage does not allow keyEncipherment",
        ),
        ("server/mdm-server-expired.pem", AT, "expired on"),
        (device, "2099-01-01T00:00:00Z", "expired on"),
        (device, "2000-01-01T00:00:00Z", "not valid before"),
    ];
    for (cert, at, expected) in cases {
        let o = run(pbkit()
            .args(["profile", "encrypt"])
            .arg(&plain)
            .arg("--to")
            .arg(pki.join(cert))
            .args(["--at", at, "--out"])
            .arg(&out));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{cert}: {err}");
        assert!(
            err.starts_with(&format!(
                "pbkit: {}: not a recipient: ",
                pki.join(cert).display()
            )) && err.contains(expected),
            "{cert}: {err}"
        );
        assert!(!out.exists());
    }
    ok(pbkit()
        .args(["profile", "encrypt"])
        .arg(&plain)
        .arg("--to")
        .arg(pki.join(device))
        .args(["--at", AT, "--out"])
        .arg(&out));
}

/// An encrypted device key without its password: an error at once, never OpenSSL's own
/// prompt on the terminal or a read of stdin; with --key-password-file it decrypts.
#[test]
fn an_encrypted_device_key_needs_its_password_flag() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let plain = plain_profile(tmp.path());
    let encrypted = tmp.path().join("encrypted.mobileconfig");
    ok(pbkit()
        .args(["profile", "encrypt"])
        .arg(&plain)
        .arg("--to")
        .arg(pki.join("server/mdm-server.pem"))
        .args(["--at", AT, "--out"])
        .arg(&encrypted));
    let key = tmp.path().join("key.enc.pem");
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "k3y-pass\n").unwrap();
    ok(Command::new("openssl")
        .args(["pkey", "-aes256", "-passout", "pass:k3y-pass", "-in"])
        .arg(pki.join("server/mdm-server.key.pem"))
        .arg("-out")
        .arg(&key));
    let out = tmp.path().join("decrypted.mobileconfig");
    let decrypt = |extra: &[&std::ffi::OsStr]| {
        let mut c = pbkit();
        c.args(["profile", "decrypt"])
            .arg(&encrypted)
            .arg("--key")
            .arg(&key)
            .arg("--cert")
            .arg(pki.join("server/mdm-server.pem"))
            .arg("--out")
            .arg(&out)
            .args(extra)
            // A stdin that would answer a prompt: it must not be read.
            .stdin(Stdio::piped());
        c
    };
    let mut child = decrypt(&[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    use std::io::Write as _;
    let _ = stdin.write_all(b"k3y-pass\n");
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("an encrypted private key: give its password"),
        "{err}"
    );
    assert!(!out.exists());
    let o = run_within(
        decrypt(&["--key-password-file".as_ref(), pw.as_os_str()]).stdin(Stdio::null()),
        30,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.exists());
}
