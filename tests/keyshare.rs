//! `pbkit keyshare`: packs identical in content to what the Purebred provider serves.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pw_file(dir: &Path, pw: &str) -> PathBuf {
    let p = dir.join("in.pw");
    std::fs::write(&p, format!("{pw}\n")).unwrap();
    p
}

fn pack(inputs: &[PathBuf], pw: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
    let json = ok(pbkit()
        .args(["keyshare", "pack", "--json"])
        .args(extra)
        .args(inputs)
        .arg("--in-password-file")
        .arg(pw)
        .arg("--out")
        .arg(out));
    serde_json::from_str(&json).unwrap()
}

fn zip_names(path: &Path) -> Vec<String> {
    let out = ok(Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        ])
        .arg(path));
    out.lines().map(str::to_string).collect()
}

#[test]
fn purebred_fixtures_pack_exactly_as_the_contract_says() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pack");
    let m = pack(
        &[fixture("purebred-skp")],
        &pw_file(tmp.path(), "password"),
        &out,
        &[],
    );
    let all = [
        "encryption_02571D.p12",
        "encryption_02571F.p12",
        "encryption_025721.p12",
        "encryption_025723.p12",
        "signature_025722.p12",
    ];
    assert_eq!(zip_names(&out.join("All.zip")), all);
    assert_eq!(zip_names(&out.join("All User.zip")), all);
    assert_eq!(
        zip_names(&out.join("Signature.zip")),
        ["signature_025722.p12"]
    );
    assert_eq!(zip_names(&out.join("Encryption.zip")), all[..4]);
    assert_eq!(zip_names(&out.join("Unfiltered.zip")).len(), 8);
    assert!(
        !out.join("PIV.zip").exists() && !out.join("Device.zip").exists(),
        "no archive for an empty selection"
    );
    assert_eq!(std::fs::read_dir(out.join("p12")).unwrap().count(), 8);

    let password = std::fs::read_to_string(out.join("password")).unwrap();
    assert_eq!(password.len(), 32);
    use std::os::unix::fs::PermissionsExt;
    for f in ["password", "All.zip", "p12/signature_025722.p12"] {
        assert_eq!(
            std::fs::metadata(out.join(f)).unwrap().permissions().mode() & 0o777,
            0o600,
            "{f}"
        );
    }

    assert_eq!(m["format"], "2025");
    assert_eq!(m["suite"], "purebred");
    let sig = m["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "signature_025722.p12")
        .unwrap();
    assert_eq!(sig["type"], "signature");
    assert_eq!(
        sig["sha256"],
        "FA5835B5D6B5A03780B63EDA29F878338B2564528B3A46CF658909557BEE70F4"
    );
    let archives: Vec<_> = sig["archives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["archive"].as_str().unwrap())
        .collect();
    assert_eq!(
        archives,
        ["All.zip", "All User.zip", "Signature.zip", "Unfiltered.zip"]
    );
    let old = m["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "signature_02571C.p12")
        .unwrap();
    assert!(
        old["excluded"]
            .as_str()
            .unwrap()
            .starts_with("superseded by a newer signature"),
        "{old}"
    );
    // All expired: warned about, not dropped.
    assert_eq!(m["warnings"].as_array().unwrap().len(), 8);
}

#[test]
fn the_pack_does_not_depend_on_the_order_of_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let pw = pw_file(tmp.path(), "password");
    let mut files = purebred_fixtures();
    let a = pack(&files, &pw, &tmp.path().join("a"), &[]);
    files.reverse();
    let b = pack(&files, &pw, &tmp.path().join("b"), &[]);
    let strip = |mut m: serde_json::Value| {
        for e in m["entries"].as_array_mut().unwrap() {
            e.as_object_mut().unwrap().remove("source");
        }
        m
    };
    assert_eq!(strip(a), strip(b));
    for z in ["All.zip", "Unfiltered.zip", "Encryption.zip"] {
        assert_eq!(
            zip_names(&tmp.path().join("a").join(z)),
            zip_names(&tmp.path().join("b").join(z))
        );
    }
}

/// A generated user with 3 generations: every encryption identity, but only the newest
/// signature, PIV and device identity; device is not in All User.
#[test]
fn generated_identities_fill_every_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = generated_pki();
    let out = tmp.path().join("pack");
    let m = pack(
        &[pki.join("users/test.user1")],
        &pki.join("password"),
        &out,
        &["--format", "legacy"],
    );
    assert_eq!(m["suite"], "ios-legacy");
    let names = |z: &str| zip_names(&out.join(z));
    let kinds = |v: Vec<String>| {
        v.iter()
            .map(|n| n.split('_').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(names("All.zip")),
        [
            "device",
            "encryption",
            "encryption",
            "encryption",
            "piv",
            "signature"
        ]
    );
    assert_eq!(
        kinds(names("All User.zip")),
        ["encryption", "encryption", "encryption", "piv", "signature"]
    );
    assert_eq!(names("PIV.zip").len(), 1);
    assert_eq!(names("Device.zip").len(), 1);
    assert_eq!(names("Unfiltered.zip").len(), 12);
    // The selected signature is the newest generation's.
    let g3 = ok(pbkit()
        .args(["cert", "show", "--json"])
        .arg(pki.join("users/test.user1/signature-g3.pem")));
    let serial = serde_json::from_str::<serde_json::Value>(&g3).unwrap()[0]["facts"]["serial"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(names("Signature.zip"), [format!("signature_{serial}.p12")]);
}

/// Two test PKIs number their certificates alike: same type and serial, different issuers.
/// Both get a SHA-256 suffix; the same file given twice is packed once, with a warning.
#[test]
fn colliding_names_are_disambiguated_and_duplicates_packed_once() {
    let tmp = tempfile::tempdir().unwrap();
    let other = tmp.path().join("other-pki");
    ok(pbkit()
        .args([
            "fixtures",
            "--users",
            "1",
            "--generations",
            "3",
            "--key",
            "ec-p256",
            "--at",
            AT,
            "--out",
        ])
        .arg(&other));
    // Same password for both inputs: re-wrap the other PKI's file with the shared one.
    let pki = generated_pki();
    let rewrapped = tmp.path().join("other-signature-g3.p12");
    ok(pbkit()
        .args(["p12", "repack", "--suite", "ios-legacy"])
        .arg(other.join("users/test.user1/signature-g3.p12"))
        .arg("--in-password-file")
        .arg(other.join("password"))
        .arg("--out-password-file")
        .arg(pki.join("password"))
        .arg("--out")
        .arg(&rewrapped));
    let ours = pki.join("users/test.user1/signature-g3.p12");
    let out = tmp.path().join("pack");
    let m = pack(
        &[ours.clone(), rewrapped, ours],
        &pki.join("password"),
        &out,
        &[],
    );
    let names: Vec<_> = m["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_ne!(names[0], names[1]);
    for (n, e) in names.iter().zip(m["entries"].as_array().unwrap()) {
        let sha = e["sha256"].as_str().unwrap();
        assert!(n.ends_with(&format!("_{}.p12", &sha[..8])), "{n}");
    }
    assert!(
        m["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("same certificate")),
        "{m}"
    );
    assert_eq!(
        zip_names(&out.join("Signature.zip")).len(),
        2,
        "same notBefore: both most recent"
    );
}

#[test]
fn open_reports_what_a_consumer_imports_and_fails_on_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pack");
    pack(
        &[fixture("purebred-skp")],
        &pw_file(tmp.path(), "password"),
        &out,
        &[],
    );
    let json = ok(pbkit()
        .args(["keyshare", "open", "--json", "--password-file"])
        .arg(out.join("password"))
        .arg(out.join("All.zip")));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 5);
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["problems"].as_array().unwrap().is_empty()));

    // Wrong password: every entry fails, exit 1.
    let bad = pw_file(tmp.path(), "not-the-password");
    let o = run(pbkit()
        .args(["keyshare", "open", "--password-file"])
        .arg(&bad)
        .arg(out.join("All.zip")));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("wrong password"), "{}", stdout(&o));

    // A modern-suite pack: iOS import risky, flagged.
    let modern = tmp.path().join("modern");
    pack(
        &[fixture("purebred-skp")],
        &pw_file(tmp.path(), "password"),
        &modern,
        &["--suite", "modern"],
    );
    let o = run(pbkit()
        .args(["keyshare", "open", "--password-file"])
        .arg(modern.join("password"))
        .arg(modern.join("Signature.zip")));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("PBES2"), "{}", stdout(&o));
}

#[test]
fn a_bad_input_stops_the_pack_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pack");
    let wrong = pw_file(tmp.path(), "wrong");
    let o = run(pbkit()
        .args(["keyshare", "pack"])
        .arg(fixture("purebred-skp"))
        .arg("--in-password-file")
        .arg(&wrong)
        .arg("--out")
        .arg(&out));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("wrong password"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(".p12"),
        "names the file: {}",
        stderr(&o)
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "no staging folder left"
    );
}

/// PEM certificates need no password (no --in-password-file, no terminal to prompt on).
#[test]
fn classify_names_the_rule_and_needs_no_password_for_certificates() {
    let json = ok(pbkit()
        .args(["keyshare", "classify", "--json"])
        .arg(fixture("fpki/fcpca-g2.pem"))
        .arg(fixture("fpki/dod-sw-ca-66.pem"))
        .arg(generated_pki().join("users/test.user2/piv-g1.pem")));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["type"], "unknown");
    assert_eq!(
        v[0]["rule"],
        "keyUsage has neither digitalSignature nor keyEncipherment"
    );
    // The reference reads bits 0-2 only: a CA with digitalSignature is a "device".
    assert_eq!(v[1]["type"], "device");
    assert_eq!(v[1]["rule"], "digitalSignature only, no SAN email or UPN");
    assert_eq!(v[2]["type"], "authentication");
}

#[test]
fn utis_table_resolve_and_info_plist() {
    let table = ok(pbkit().args(["keyshare", "utis", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&table).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 22);
    let o = run(pbkit().args([
        "keyshare",
        "utis",
        "--resolve",
        "purebred.zip.all_user",
        "purebred2025.select.signature-p12",
    ]));
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("deprecated underscore spelling"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("purebred.zip.all-user"));
    assert!(!stdout(&o).contains("all_user"), "never emit underscores");
    let o = run(pbkit().args([
        "keyshare",
        "utis",
        "--resolve",
        "purebred.select.everything",
    ]));
    assert_eq!(o.status.code(), Some(1));
    // Python plistlib reads the Info.plist fragment.
    let tmp = tempfile::tempdir().unwrap();
    let plist = tmp.path().join("utis.plist");
    std::fs::write(
        &plist,
        ok(pbkit().args(["keyshare", "utis", "--info-plist"])),
    )
    .unwrap();
    let out = ok(Command::new("python3").args(["-c", "import plistlib,sys; d=plistlib.load(open(sys.argv[1],'rb'))['UTImportedTypeDeclarations']; print(len(d), sorted({c for x in d for c in x['UTTypeConformsTo']}))"]).arg(&plist));
    assert_eq!(
        out.trim(),
        "22 ['com.rsa.pkcs-12', 'public.folder', 'public.zip-archive']"
    );
}

/// A 2025 pack also serves each selection as a folder (`select.*` UTIs, contract §3), with
/// exactly its zip's files, byte for byte; a legacy pack has none. `keyshare open` opens
/// such a folder as the app receives it (issue 26, item 11), and names what the `-p12`
/// companion would not open.
#[test]
fn selection_folders_hold_their_zips_files_and_open_as_an_app_receives_them() {
    let tmp = tempfile::tempdir().unwrap();
    let pw = pw_file(tmp.path(), "password");
    let out = tmp.path().join("pack");
    let m = pack(&[fixture("purebred-skp")], &pw, &out, &[]);
    let archives = m["archives"].as_array().unwrap();
    assert_eq!(archives.len(), 5);
    for a in archives {
        let folder = a["folder"].as_str().unwrap();
        assert_eq!(a["name"], format!("{folder}.zip"));
        let mut files: Vec<String> = std::fs::read_dir(out.join(folder))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(
            files,
            zip_names(&out.join(format!("{folder}.zip"))),
            "{folder}"
        );
        for f in &files {
            assert_eq!(
                std::fs::read(out.join(folder).join(f)).unwrap(),
                std::fs::read(out.join("p12").join(f)).unwrap()
            );
        }
    }
    let o = run(pbkit()
        .args(["keyshare", "open", "--json"])
        .arg(out.join("Encryption"))
        .arg("--password-file")
        .arg(out.join("password")));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let opened: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let names: Vec<&str> = opened
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "encryption_02571D.p12",
            "encryption_02571F.p12",
            "encryption_025721.p12",
            "encryption_025723.p12"
        ]
    );
    assert!(
        opened[0]["classification"]["type"] == "encryption",
        "{opened}"
    );
    // What the companion would not open is a problem: exit 1, named.
    std::fs::write(out.join("Encryption/readme.txt"), "x").unwrap();
    let o = run(pbkit()
        .args(["keyshare", "open"])
        .arg(out.join("Encryption"))
        .arg("--password-file")
        .arg(out.join("password")));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("not named *.p12: the -p12 companion UTI does not open it"),
        "{}",
        stdout(&o)
    );

    let legacy = tmp.path().join("legacy");
    pack(
        &[fixture("purebred-skp")],
        &pw,
        &legacy,
        &["--format", "legacy"],
    );
    assert!(!legacy.join("Encryption").exists());
    assert!(legacy.join("Encryption.zip").exists());
}

/// `utis --info-plist --for UTI...`: only what those UTIs need, a 2025 select.* with its
/// -p12 companion, each once; read by Python's plistlib.
#[test]
fn info_plist_for_one_selection_declares_it_and_its_companion() {
    let tmp = tempfile::tempdir().unwrap();
    let plist = tmp.path().join("utis.plist");
    std::fs::write(
        &plist,
        ok(pbkit().args([
            "keyshare",
            "utis",
            "--info-plist",
            "--for",
            "purebred2025.select.signature",
            "purebred2025.select.signature-p12",
            "purebred2025.zip.encryption",
        ])),
    )
    .unwrap();
    let out = ok(Command::new("python3")
        .args([
            "-c",
            "import plistlib,sys; d=plistlib.load(open(sys.argv[1],'rb'))['UTImportedTypeDeclarations']; \
             print(' '.join(x['UTTypeIdentifier']+'<'+x['UTTypeConformsTo'][0] for x in d))",
        ])
        .arg(&plist));
    assert_eq!(
        out.trim(),
        "purebred2025.select.signature<public.folder \
         purebred2025.select.signature-p12<com.rsa.pkcs-12 \
         purebred2025.zip.encryption<public.zip-archive"
    );
    // --for without --info-plist is a usage error; an unknown UTI is an error.
    let o = run(pbkit().args(["keyshare", "utis", "--for", "purebred2025.zip.all"]));
    assert_eq!(o.status.code(), Some(2));
    let o = run(pbkit().args(["keyshare", "utis", "--info-plist", "--for", "purebred.nope"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is not a Purebred key-sharing UTI"),
        "{}",
        stderr(&o)
    );
}
