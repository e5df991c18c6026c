//! Interop with the `openssl` command-line tool: an independent verifier of the test PKI's
//! paths, its PKCS#12 encoding, and the facts `cert show` reports.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

mod common;

use common::*;
use std::process::Command;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn unix(rfc3339: &str) -> i64 {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .unwrap()
        .unix_timestamp()
}

/// `openssl verify` with the anchor trusted and the forward path untrusted, at `attime`.
fn verify(leaf: &str, attime: i64) -> std::process::Output {
    let pki = generated_pki();
    run(Command::new("openssl")
        .arg("verify")
        .arg("-show_chain")
        .args(["-attime", &attime.to_string()])
        .arg("-CAfile")
        .arg(pki.join("trust/anchor.pem"))
        .arg("-untrusted")
        .arg(pki.join("trust/intermediates.pem"))
        .arg(pki.join(leaf)))
}

#[test]
fn every_leaf_verifies_to_the_anchor_through_the_cross_certificates() {
    let leaves: Vec<_> = files_of("certificate")
        .into_iter()
        .filter(|f| f["user"].is_string() || f["variant"] == "valid" && f["role"] == "mdm-server")
        .collect();
    assert_eq!(leaves.len(), 2 * 3 * 4 + 1);
    for leaf in leaves {
        let cert = &leaf["certificate"];
        // Inside the leaf's own validity: a retired generation verifies at its time.
        let at = unix(cert["not_before"].as_str().unwrap()) + 86_400;
        let path = leaf["path"].as_str().unwrap();
        let o = verify(path, at);
        let out = stdout(&o);
        assert!(o.status.success(), "{path}: {out}{}", stderr(&o));
        // leaf, issuing CA, DoD Root CA 3 (by IRCA), IRCA (by bridge), bridge (by anchor), anchor
        let depth = out.lines().filter(|l| l.starts_with("depth=")).count();
        assert_eq!(depth, 6, "{path}: {out}");
        assert!(out.contains("Test DoD Interoperability Root CA 2"), "{out}");
        assert!(out.contains("Test Federal Bridge CA G4"), "{out}");
    }
}

#[test]
fn server_variants_fail_outside_their_validity() {
    let at = unix(AT);
    assert!(verify("server/mdm-server.pem", at).status.success());
    for (file, reason) in [
        ("server/mdm-server-expired.pem", "certificate has expired"),
        (
            "server/mdm-server-not-yet-valid.pem",
            "certificate is not yet valid",
        ),
    ] {
        let o = verify(file, at);
        assert!(!o.status.success(), "{file} verified");
        assert!(
            stdout(&o).contains(reason) || stderr(&o).contains(reason),
            "{file}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn retired_generations_are_expired_at_the_pki_date() {
    let at = unix(AT);
    for f in files_of("certificate")
        .iter()
        .filter(|f| f["user"].is_string())
    {
        let current = f["generation"] == 3;
        let o = verify(f["path"].as_str().unwrap(), at);
        assert_eq!(o.status.success(), current, "{}", f["path"]);
    }
}

#[test]
fn pkcs12_files_use_the_ios_legacy_suite_and_open_with_the_password() {
    let pki = generated_pki();
    let p12s = files_of("pkcs12");
    assert_eq!(p12s.len(), 2 * 3 * 4 + 3);
    for f in p12s {
        let o = run(Command::new("openssl")
            .args(["pkcs12", "-legacy", "-info", "-noout", "-passin"])
            .arg(format!("file:{}", pki.join("password").display()))
            .arg("-in")
            .arg(pki.join(f["path"].as_str().unwrap())));
        let info = stderr(&o) + &stdout(&o);
        assert!(o.status.success(), "{}: {info}", f["path"]);
        assert!(info.contains("MAC: sha1, Iteration 2048"), "{info}");
        assert!(
            info.contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"),
            "{info}"
        );
        assert!(
            info.contains("PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 2048"),
            "{info}"
        );
    }
}

/// Serial and SHA-256 fingerprint of every real FPKI certificate agree with `openssl x509`.
#[test]
fn cert_show_agrees_with_openssl_x509_on_real_fpki_certificates() {
    let dir = fixture("fpki");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 22);
    let json: serde_json::Value =
        serde_json::from_str(&ok(pbkit().args(["cert", "show", "--json"]).args(&files))).unwrap();
    let shown = json.as_array().unwrap();
    assert_eq!(shown.len(), 22);
    for (file, s) in files.iter().zip(shown) {
        let out = ok(Command::new("openssl")
            .args([
                "x509",
                "-noout",
                "-serial",
                "-fingerprint",
                "-sha256",
                "-in",
            ])
            .arg(file));
        let serial = out.lines().find_map(|l| l.strip_prefix("serial=")).unwrap();
        let fpr = out
            .lines()
            .find_map(|l| l.split_once("Fingerprint="))
            .unwrap()
            .1
            .replace(':', "");
        let facts = &s["facts"];
        // openssl prints an odd-length serial without its leading zero nibble.
        assert_eq!(
            facts["serial"].as_str().unwrap().trim_start_matches('0'),
            serial.trim_start_matches('0'),
            "{file:?}"
        );
        assert_eq!(facts["sha256"], fpr.as_str(), "{file:?}");
    }
}

/// A PKCS#7 bundle built by openssl (DER and PEM) shows the same certificates as its parts.
#[test]
fn cert_show_reads_pkcs7_bundles_made_by_openssl() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = [
        "fcpca-g2.pem",
        "fbca-g4-by-fcpca-g2.pem",
        "dod-irca2-by-fbca-g4.pem",
        "dod-root-ca-3-by-dod-irca2.pem",
        "dod-id-ca-63.pem",
    ];
    let show = |files: &[std::path::PathBuf]| -> Vec<serde_json::Value> {
        let v: serde_json::Value =
            serde_json::from_str(&ok(pbkit().args(["cert", "show", "--json"]).args(files)))
                .unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["facts"].clone())
            .collect()
    };
    let part_paths: Vec<_> = parts
        .iter()
        .map(|p| fixture(&format!("fpki/{p}")))
        .collect();
    let expected = show(&part_paths);
    for (form, name) in [("DER", "bundle.p7b"), ("PEM", "bundle-pem.p7c")] {
        let out = tmp.path().join(name);
        let mut cmd = Command::new("openssl");
        cmd.args(["crl2pkcs7", "-nocrl", "-outform", form, "-out"])
            .arg(&out);
        for p in &part_paths {
            cmd.arg("-certfile").arg(p);
        }
        ok(&mut cmd);
        let mut got = show(&[out]);
        // PKCS#7 SET OF certificates: compare as sets.
        let key = |v: &serde_json::Value| v["sha256"].as_str().unwrap().to_string();
        got.sort_by_key(key);
        let mut want = expected.clone();
        want.sort_by_key(key);
        assert_eq!(got, want, "{form}");
    }
}

/// Every suite pbkit writes opens with `openssl pkcs12` (MAC verified, key and both
/// certificates out), and uses the algorithms the suite promises.
#[test]
fn openssl_cli_opens_every_suite_pbkit_writes() {
    for suite in SUITES {
        let (p12, pw) = written(suite);
        let o = run(Command::new("openssl")
            .args(["pkcs12", "-legacy", "-info", "-nodes", "-passin"])
            .arg(format!("file:{}", pw.display()))
            .arg("-in")
            .arg(&p12));
        let all = stdout(&o) + &stderr(&o);
        assert!(o.status.success(), "{suite}: {all}");
        assert_eq!(
            all.matches("-----BEGIN CERTIFICATE-----").count(),
            2,
            "{suite}: leaf + chain"
        );
        assert!(all.contains("-----BEGIN PRIVATE KEY-----"), "{suite}");
        assert!(all.contains("friendlyName: SKP"), "{suite}");
        let expect: &[&str] = match suite {
            "ios-legacy" => &[
                "MAC: sha1, Iteration 2048",
                "pbeWithSHA1And40BitRC2-CBC, Iteration 2048",
                "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048",
            ],
            "purebred" => &[
                "MAC: sha1, Iteration 1\n",
                "PKCS7 Data\nCertificate bag",
                "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048",
            ],
            _ => &[
                "MAC: sha256",
                "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256",
            ],
        };
        for e in expect {
            assert!(all.contains(e), "{suite}: missing {e:?} in\n{all}");
        }
    }
}

/// pbkit reads what `openssl pkcs12 -export` writes, in both its legacy and default forms.
#[test]
fn pbkit_reads_what_openssl_cli_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "openssl-export\n").unwrap();
    for (name, extra) in [
        ("legacy", vec!["-legacy"]),
        ("default", vec![]),
        ("des3-nomaciter", vec!["-legacy", "-descert", "-nomaciter"]),
    ] {
        let out = tmp.path().join(format!("{name}.p12"));
        openssl_export(&extra, &pw, &out);
        let json: serde_json::Value = inspect_json(&pw, &out);
        assert_eq!(json["identities"].as_array().unwrap().len(), 1, "{name}");
        assert_eq!(
            json["identities"][0]["certificate"]["subject"],
            "C=US, O=pbkit Test PKI, OU=DoD, OU=PKI, OU=USN, CN=mdm.pbkit.test",
            "{name}"
        );
        let expected_suite = if name == "default" {
            "modern"
        } else if name == "legacy" {
            "ios-legacy"
        } else {
            "null"
        };
        assert_eq!(
            json["suite"].to_string().trim_matches('"'),
            expected_suite,
            "{name}"
        );
    }
}

/// Non-ASCII passwords are UTF-16 in the KDF: pbkit and OpenSSL agree both ways.
#[test]
fn non_ascii_passwords_agree_with_openssl_both_ways() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "\u{e9}t\u{e9}-\u{1F510}\n").unwrap();
    for suite in SUITES {
        let ours = tmp.path().join(format!("{suite}.p12"));
        ok(pbkit()
            .args(["p12", "create", "--suite", suite, "--key"])
            .arg(pki.join("server/mdm-server.key.pem"))
            .arg("--cert")
            .arg(pki.join("server/mdm-server.pem"))
            .arg("--out")
            .arg(&ours)
            .arg("--out-password-file")
            .arg(&pw));
        ok(Command::new("openssl")
            .args(["pkcs12", "-legacy", "-noout", "-passin"])
            .arg(format!("file:{}", pw.display()))
            .arg("-in")
            .arg(&ours));
    }
    let theirs = tmp.path().join("openssl.p12");
    openssl_export(&["-legacy"], &pw, &theirs);
    ok(pbkit()
        .args(["p12", "inspect", "--password-file"])
        .arg(&pw)
        .arg(&theirs));
}

/// Every algorithm of the read list, as the openssl CLI writes it: pbkit opens the file,
/// finds the identity, and names the algorithms.
#[test]
fn pbkit_reads_every_pbe_algorithm_openssl_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "matrix").unwrap();
    let cases = [
        (
            "PBE-SHA1-2DES",
            "PBE-SHA1-RC2-128",
            "sha1",
            "pbeWithSHA1And2-KeyTripleDES-CBC",
            Some("pbeWithSHA1And128BitRC2-CBC"),
            "sha1",
        ),
        (
            "PBE-SHA1-3DES",
            "PBE-SHA1-RC2-40",
            "sha1",
            "pbeWithSHA1And3-KeyTripleDES-CBC",
            Some("pbeWithSHA1And40BitRC2-CBC"),
            "sha1",
        ),
        (
            "PBE-SHA1-3DES",
            "PBE-SHA1-3DES",
            "sha1",
            "pbeWithSHA1And3-KeyTripleDES-CBC",
            Some("pbeWithSHA1And3-KeyTripleDES-CBC"),
            "sha1",
        ),
        (
            "AES-128-CBC",
            "AES-128-CBC",
            "sha256",
            "PBES2 (PBKDF2-HMAC-SHA-256, AES-128-CBC)",
            Some("PBES2 (PBKDF2-HMAC-SHA-256, AES-128-CBC)"),
            "sha256",
        ),
        (
            "AES-256-CBC",
            "NONE",
            "sha512",
            "PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC)",
            None,
            "sha512",
        ),
    ];
    for (keypbe, certpbe, mac, key_name, cert_name, mac_name) in cases {
        let out = tmp.path().join(format!("{keypbe}-{certpbe}-{mac}.p12"));
        openssl_export(
            &[
                "-legacy", "-keypbe", keypbe, "-certpbe", certpbe, "-macalg", mac,
            ],
            &pw,
            &out,
        );
        let v: serde_json::Value = inspect_json(&pw, &out);
        let what = format!("{keypbe}/{certpbe}/{mac}");
        assert_eq!(v["identities"].as_array().unwrap().len(), 1, "{what}");
        assert_eq!(v["mac"]["digest"], mac_name, "{what}");
        let safes = v["safes"].as_array().unwrap();
        let key_bag = safes
            .iter()
            .flat_map(|s| s["bags"].as_array().unwrap())
            .find(|b| b["kind"] == "pkcs8-shrouded-key")
            .unwrap();
        assert_eq!(key_bag["encryption"], key_name, "{what}");
        let cert_safe = safes
            .iter()
            .find(|s| {
                s["bags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|b| b["kind"] == "certificate")
            })
            .unwrap();
        assert_eq!(cert_safe["encryption"].as_str(), cert_name, "{what}");
    }
}

/// `p12 inspect` lists the bags a file holds and nothing else: a certificates-only file
/// (`openssl pkcs12 -export -nokeys`) shows two certificate bags, no key, no identity, and
/// its JSON bags carry only their kind; the Purebred-era fixture shows its certificate and
/// its shrouded key.
#[test]
fn p12_inspect_names_only_the_bags_present() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = generated_pki();
    let pw = pki.join("password");
    let certs_only = tmp.path().join("certs-only.p12");
    ok(Command::new("openssl")
        .args(["pkcs12", "-export", "-nokeys", "-in"])
        .arg(pki.join("server/mdm-server.pem"))
        .arg("-certfile")
        .arg(pki.join("ca/dod-sw-ca-66.pem"))
        .arg("-passout")
        .arg(format!("file:{}", pw.display()))
        .arg("-out")
        .arg(&certs_only));
    let bag_lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("    "))
            .map(|l| l.trim().split([';', ':']).next().unwrap().to_string())
            .collect()
    };
    let text = ok(pbkit()
        .args(["p12", "inspect", "--password-file"])
        .arg(&pw)
        .arg(&certs_only));
    assert_eq!(bag_lines(&text), ["certificate", "certificate"], "{text}");
    assert!(!text.contains("identity"), "{text}");
    assert_eq!(text.matches("extra cert").count(), 2, "{text}");
    let v = inspect_json(&pw, &certs_only);
    for bag in v["safes"][0]["bags"].as_array().unwrap() {
        let keys: Vec<&String> = bag.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["kind"], "{bag}");
    }

    let skp_pw = tmp.path().join("skp.pw");
    std::fs::write(&skp_pw, "password").unwrap();
    let text = ok(pbkit()
        .args(["p12", "inspect", "--password-file"])
        .arg(&skp_pw)
        .arg(&purebred_fixtures()[0]));
    assert_eq!(
        bag_lines(&text),
        ["certificate", "pkcs8-shrouded-key"],
        "{text}"
    );
}

/// A PKCS#12 without a MAC (`openssl pkcs12 -export -nomac`) and without encryption opens
/// with any password: inspect says its integrity is not protected.
#[test]
fn a_pkcs12_without_a_mac_is_named_unprotected() {
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "right").unwrap();
    let out = tmp.path().join("nomac.p12");
    openssl_export(
        &["-nomac", "-keypbe", "NONE", "-certpbe", "NONE"],
        &pw,
        &out,
    );
    let wrong = tmp.path().join("wrong");
    std::fs::write(&wrong, "wrong").unwrap();
    let text = ok(pbkit()
        .args(["p12", "inspect", "--password-file"])
        .arg(&wrong)
        .arg(&out));
    assert!(
        text.contains("MAC            none: integrity not protected"),
        "{text}"
    );
    assert!(text.contains("identity 1"), "{text}");
}

/// A bundle holding a certificate whose DSA key inherits its parameters (PKITS, extracted
/// by `openssl pkcs12`) after a good one: cert show shows both, the key as a problem, and
/// exits 0. With a certificate whose time cannot be read (pyca's `badasn1time.pem`)
/// added, that one is named on standard error, the others shown, and the exit code is 1.
#[test]
fn cert_show_names_what_cannot_be_decoded_and_shows_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let dsa = tmp.path().join("dsa.pem");
    ok(Command::new("openssl")
        .args([
            "pkcs12",
            "-legacy",
            "-nokeys",
            "-passin",
            "pass:password",
            "-in",
        ])
        .arg(fixture("peers/pyca/DSAParametersInheritedCACert.p12"))
        .arg("-out")
        .arg(&dsa));
    let bundle = tmp.path().join("bundle.pem");
    let mut text = std::fs::read_to_string(fixture("fpki/fcpca-g2.pem")).unwrap();
    text += &std::fs::read_to_string(&dsa).unwrap();
    std::fs::write(&bundle, &text).unwrap();
    let o = run(pbkit().args(["cert", "show"]).arg(&bundle));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("CN=Federal Common Policy CA G2"), "{out}");
    assert!(out.contains("CN=DSA Parameters Inherited CA"), "{out}");
    assert!(
        out.contains("  key            (cannot be decoded)\n"),
        "{out}"
    );
    assert!(
        out.contains("  problem        the public key cannot be decoded (OpenSSL: decode error)"),
        "{out}"
    );

    text += &std::fs::read_to_string(fixture("peers/pyca/x509/badasn1time.pem")).unwrap();
    std::fs::write(&bundle, &text).unwrap();
    let o = run(pbkit().args(["cert", "show"]).arg(&bundle));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o).matches("  subject  ").count(),
        2,
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "pbkit: {} [3]: it cannot be decoded",
            bundle.display()
        )) && err.contains("InvalidDate"),
        "{err}"
    );
}

/// `chain build --format p7b` writes what `openssl crl2pkcs7 -nocrl` writes for the same
/// certificates, byte for byte; `--chain-only` leaves the leaf out; `--format der` writes
/// the one certificate as `openssl x509 -outform DER` does, and refuses a bundle of more.
#[test]
fn chain_build_bundles_are_byte_identical_to_openssl_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let fpki = |f: &str| fixture(&format!("fpki/{f}.pem"));
    let build = |extra: &[&str], out: &std::path::Path| {
        run(pbkit()
            .args(["chain", "build"])
            .arg(fpki("dod-sw-ca-66"))
            .arg("--pool")
            .arg(fixture("fpki"))
            .arg("--anchor")
            .arg(fpki("fcpca-g2"))
            .args(["--at", "2026-11-22", "--out"])
            .arg(out)
            .args(extra))
    };
    let p7b = tmp.path().join("chain.p7b");
    let o = build(&["--chain-only", "--format", "p7b"], &p7b);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("(3 certificates, the intermediates only)"));
    let three = tmp.path().join("three.pem");
    let pem: Vec<u8> = [
        "dod-root-ca-3-by-dod-irca2",
        "dod-irca2-by-fbca-g4",
        "fbca-g4-by-fcpca-g2",
    ]
    .iter()
    .flat_map(|f| std::fs::read(fpki(f)).unwrap())
    .collect();
    std::fs::write(&three, pem).unwrap();
    let reference = tmp.path().join("ref.p7b");
    ok(Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-outform", "DER", "-certfile"])
        .arg(&three)
        .arg("-out")
        .arg(&reference));
    assert_eq!(
        std::fs::read(&p7b).unwrap(),
        std::fs::read(&reference).unwrap()
    );

    // The same path as PEM, leaf first: the leaf then the three.
    let pem_out = tmp.path().join("bundle.pem");
    assert_eq!(build(&[], &pem_out).status.code(), Some(0));
    let mut expected = std::fs::read(fpki("dod-sw-ca-66")).unwrap();
    expected.extend(std::fs::read(&three).unwrap());
    let normal = |b: &[u8]| String::from_utf8_lossy(b).replace("\r\n", "\n");
    assert_eq!(normal(&std::fs::read(&pem_out).unwrap()), normal(&expected));

    let der = tmp.path().join("x.der");
    let o = build(&["--format", "der"], &der);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--format der holds one certificate, and the bundle has 4"));
    assert!(!der.exists(), "nothing written");
    // A leaf of the anchor itself: one certificate.
    let o = run(pbkit()
        .args(["chain", "build"])
        .arg(fpki("fbca-g4-by-fcpca-g2"))
        .arg("--anchor")
        .arg(fpki("fcpca-g2"))
        .args(["--at", "2026-11-22", "--format", "der", "--out"])
        .arg(&der));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let reference = tmp.path().join("ref.der");
    ok(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(fpki("fbca-g4-by-fcpca-g2"))
        .arg("-out")
        .arg(&reference));
    assert_eq!(
        std::fs::read(&der).unwrap(),
        std::fs::read(&reference).unwrap()
    );
}

/// `profile encrypt` to an RSA and an EC device certificate: `openssl cms -decrypt` with
/// either key gives exactly the PayloadContent array pbkit took out (a plist whose top
/// level is that array), encrypted with AES-256-CBC; the rest of the profile is unchanged.
#[test]
fn openssl_cms_decrypts_what_profile_encrypt_writes() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let plain = dir.join("plain.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/purebred-exchange.toml"))
        .arg("--out")
        .arg(&plain));
    ok(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-subj", "/CN=device-ec", "-days", "30"])
        // A device's certificate: an end entity whose key is for agreement (ECDH).
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "keyUsage=critical,digitalSignature,keyAgreement"])
        .arg("-keyout")
        .arg(dir.join("ec.key"))
        .arg("-out")
        .arg(dir.join("ec.pem")));
    let encrypted = dir.join("encrypted.mobileconfig");
    ok(pbkit()
        .args(["profile", "encrypt"])
        .arg(&plain)
        .arg("--to")
        .arg(pki.join("server/mdm-server.pem"))
        .arg("--to")
        .arg(dir.join("ec.pem"))
        .arg("--out")
        .arg(&encrypted));
    let envelope = dir.join("envelope.der");
    let same = ok(Command::new("python3")
        .arg("-c")
        .arg(
            "import plistlib,sys\n\
             e=plistlib.load(open(sys.argv[1],'rb')); p=plistlib.load(open(sys.argv[2],'rb'))\n\
             open(sys.argv[3],'wb').write(e.pop('EncryptedPayloadContent'))\n\
             assert e.pop('IsEncrypted') is True and 'PayloadContent' not in e\n\
             p.pop('PayloadContent'); print(e == p)",
        )
        .arg(&encrypted)
        .arg(&plain)
        .arg(&envelope));
    assert_eq!(same, "True\n");
    let printed = ok(Command::new("openssl")
        .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
        .arg(&envelope));
    assert!(printed.contains("aes-256-cbc"), "{printed}");
    assert!(printed.contains("rsaEncryption") && printed.contains("id-ecPublicKey"));
    for (key, cert) in [
        (
            pki.join("server/mdm-server.key.pem"),
            pki.join("server/mdm-server.pem"),
        ),
        (dir.join("ec.key"), dir.join("ec.pem")),
    ] {
        let inner = dir.join("inner.plist");
        ok(Command::new("openssl")
            .args(["cms", "-decrypt", "-inform", "DER", "-in"])
            .arg(&envelope)
            .arg("-inkey")
            .arg(&key)
            .arg("-recip")
            .arg(&cert)
            .arg("-out")
            .arg(&inner));
        let equal = ok(Command::new("python3")
            .arg("-c")
            .arg(
                "import plistlib,sys\n\
                 a=plistlib.load(open(sys.argv[1],'rb')); p=plistlib.load(open(sys.argv[2],'rb'))\n\
                 print(type(a).__name__, a == p['PayloadContent'])",
            )
            .arg(&inner)
            .arg(&plain));
        assert_eq!(equal, "list True\n", "{}", key.display());
    }
}

/// `token plan --json` (issue 27's done-when): every identity of a user, each registered
/// under the uppercase SHA-256 of its certificate's DER, as `openssl x509 -fingerprint
/// -sha256` computes it from the PEM the fixtures write beside each PKCS#12.
#[test]
fn token_plan_ids_are_the_sha256_openssl_computes() {
    let pki = generated_pki();
    let user = pki.join("users/test.user1");
    let out = ok(pbkit()
        .args(["token", "plan", "--json", "--in-password-file"])
        .arg(pki.join("password"))
        .arg(&user));
    let plan: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let p12s = std::fs::read_dir(&user)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "p12")
        })
        .count();
    assert_eq!(plan.len(), p12s);
    assert!(p12s >= 4, "{p12s}");
    for r in &plan {
        let pem = r["origin"].as_str().unwrap().replace(".p12", ".pem");
        let o = run(Command::new("openssl").args([
            "x509",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-in",
            &pem,
        ]));
        assert!(o.status.success(), "{}", stderr(&o));
        let fingerprint = stdout(&o)
            .trim()
            .rsplit('=')
            .next()
            .unwrap()
            .replace(':', "");
        assert_eq!(fingerprint.len(), 64);
        for key in [
            "token_instance_id",
            "certificate_object_id",
            "key_object_id",
            "label",
        ] {
            assert_eq!(r[key], fingerprint.as_str(), "{key} of {pem}");
        }
        assert_eq!(r["sample_extension"]["serves"], true, "{r}");
    }
}

/// `fixtures --shape purebred-sample` (issue 27): the SAN forms and policies of Purebred's
/// sample identities, as openssl reads them, in the validity window asked for; the PIV
/// FASC-N is well formed (parity, LRC) and names the user's EDIPI; every bag's
/// friendlyName is the subject in OpenSSL's one-line form.
#[test]
fn sample_shaped_fixtures_show_their_san_forms_and_policies_to_openssl() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sp");
    ok(pbkit()
        .args(["fixtures", "--shape", "purebred-sample", "--users", "1"])
        .args(["--generations", "1", "--at", "2026-12-01"])
        .args([
            "--valid-from",
            "2026-11-01",
            "--valid-until",
            "2027-11-01T12:00:00Z",
        ])
        .arg("--out")
        .arg(&dir));
    let user = dir.join("users/test.user1");
    let text = |role: &str| {
        ok(Command::new("openssl")
            .args(["x509", "-noout", "-text", "-in"])
            .arg(user.join(format!("{role}-g1.pem"))))
    };
    let piv = text("piv");
    for shown in [
        "othername: UPN::1000000001@mil",
        "othername: 2.16.840.1.101.3.6.6::",
        "URI:urn:uuid:",
        "Policy: 2.16.840.1.101.2.1.11.42",
        "Policy: 2.16.840.1.101.3.2.1.3.13",
        "Not Before: Nov  1 00:00:00 2026 GMT",
        "Not After : Nov  1 12:00:00 2027 GMT",
    ] {
        assert!(piv.contains(shown), "{shown}:\n{piv}");
    }
    let signature = text("signature");
    assert!(signature.contains("email:test.user1@pbkit.test, othername: UPN::1000000001@mil"));
    assert!(signature.contains("Policy: 2.16.840.1.101.2.1.11.42"));
    assert!(text("encryption").contains("Policy: 2.16.840.1.101.2.1.11.39"));

    // The FASC-N: an OCTET STRING of 25 bytes after its otherName OID.
    let o = run(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(user.join("piv-g1.pem")));
    assert!(o.status.success(), "{}", stderr(&o));
    let der = o.stdout;
    let oid = [0x06, 0x08, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x06, 0x06];
    let at = der.windows(oid.len()).position(|w| w == oid).unwrap() + oid.len();
    assert_eq!(der[at..at + 4], [0xa0, 0x1b, 0x04, 0x19]);
    let fasc_n = pbkit_pki::fascn::FascN::from_bytes(&der[at + 4..at + 29]).unwrap();
    assert_eq!(fasc_n.person_identifier, "1000000001");

    let info = run(Command::new("openssl")
        .args(["pkcs12", "-legacy", "-info", "-nokeys", "-in"])
        .arg(user.join("signature-g1.p12"))
        .arg("-passin")
        .arg(format!("file:{}", dir.join("password").display())));
    let all = format!("{}{}", stdout(&info), stderr(&info));
    assert!(
        all.contains(
            "friendlyName: /C=US/O=pbkit Test PKI/OU=DoD/OU=PKI/OU=USA/CN=test.user1.1000000001"
        ),
        "{all}"
    );
    assert!(all.contains("pbeWithSHA1And40BitRC2-CBC"), "{all}");

    // A window outside the issuing CAs' validity is refused before anything is made.
    let o = run(pbkit()
        .args([
            "fixtures",
            "--shape",
            "purebred-sample",
            "--at",
            "2026-12-01",
        ])
        .args(["--valid-from", "2026-11-01", "--valid-until", "2040-01-01"])
        .arg("--out")
        .arg(tmp.path().join("never")));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("within its issuing CA's validity"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("never").exists());
}
