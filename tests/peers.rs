//! pbkit's PKCS#12 reader against other projects' published test vectors, each with the
//! outcome the peer's own test suite states (never pbkit's): pyca/cryptography's
//! `cryptography-vectors` (tests/hazmat/primitives/test_pkcs12.py), Go's
//! golang.org/x/crypto/pkcs12 (pkcs12_test.go) and RustCrypto's `pkcs12` crate
//! (tests/cert_tests.rs). Provenance and licences: tests/fixtures/peers/README.md.

use crate::common::*;
use pbkit_pkcs12::{Contents, Password};
use pbkit_pki::Certificate;

/// What a peer's test says a file holds, opened with `password` (`None`: the peer passes
/// no password at all, which pbkit users give as an empty password).
struct Expected {
    file: &'static str,
    password: Option<&'static str>,
    /// The key's certificate (a file beside the vectors) and its friendlyName.
    identity: Option<(&'static str, Option<&'static str>)>,
    /// A key without a certificate of its own.
    key_only: bool,
    /// The other certificates, in order, with their friendlyNames.
    extra: Vec<(&'static str, Option<&'static str>)>,
    /// Whether the peer's test compares friendlyNames (load_key_and_certificates does not).
    names: bool,
}

/// A friendlyName a peer's test expects.
type Name = Option<&'static str>;

fn pem(dir: &str, name: &str) -> Certificate {
    pbkit_pki::bundle::read_one(fixture(&format!("peers/{dir}/{name}"))).unwrap()
}

/// Whether pbkit's reading of `e` matches the peer's stated outcome; the difference in
/// words when not.
fn agrees(dir: &str, e: &Expected) -> Result<(), String> {
    let der = std::fs::read(fixture(&format!("peers/{dir}/{}", e.file))).unwrap();
    let password = Password::new(e.password.unwrap_or(""));
    let contents = Contents::read(&der, &password).map_err(|err| format!("{err}"))?;
    let mut certs = contents.certificates;
    let key = match contents.keys.as_slice() {
        [] => None,
        [k] => Some(&k.key),
        keys => return Err(format!("{} keys", keys.len())),
    };
    let own = key.and_then(|k| {
        certs.iter().position(|c| {
            c.certificate
                .x509()
                .public_key()
                .is_ok_and(|p| p.public_eq(k))
        })
    });
    let own = own.map(|i| certs.remove(i));
    match (&e.identity, &own) {
        (Some((file, name)), Some(c)) => {
            if c.certificate != pem(dir, file) || (e.names && c.friendly_name.as_deref() != *name) {
                return Err(format!(
                    "identity {:?} {:?}",
                    c.certificate.facts().map(|f| f.subject),
                    c.friendly_name
                ));
            }
        }
        (None, None) => {}
        (want, got) => {
            return Err(format!(
                "identity: expected {want:?}, got {}",
                got.is_some()
            ))
        }
    }
    if e.key_only != (key.is_some() && own.is_none()) {
        return Err(format!("key without certificate: expected {}", e.key_only));
    }
    let extra: Vec<(Certificate, Option<String>)> = certs
        .into_iter()
        .map(|c| (c.certificate, c.friendly_name.filter(|_| e.names)))
        .collect();
    let want: Vec<(Certificate, Option<String>)> = e
        .extra
        .iter()
        .map(|(f, n)| (pem(dir, f), n.filter(|_| e.names).map(str::to_string)))
        .collect();
    if extra != want {
        return Err(format!(
            "extra certificates differ ({} vs {})",
            extra.len(),
            want.len()
        ));
    }
    Ok(())
}

fn check_all(dir: &str, vectors: &[Expected]) {
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|e| agrees(dir, e).err().map(|why| format!("{}: {why}", e.file)))
        .collect();
    println!(
        "{dir}: pbkit agrees with the peer on {} of {} vectors",
        vectors.len() - failures.len(),
        vectors.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// test_pkcs12.py: test_load_pkcs12_ec_keys, _rc2, _cert_only, _key_only, test_load_object
/// and test_load_object_no_cert_key.
#[test]
fn pyca_pkcs12_vectors_agree() {
    let ca = ("ca.pem", None);
    let mut v = vec![
        Expected {
            file: "cert-key-aes256cbc.p12",
            password: Some("cryptography"),
            identity: Some(ca),
            key_only: false,
            extra: vec![],
            names: false,
        },
        Expected {
            file: "cert-none-key-none.p12",
            password: Some("cryptography"),
            identity: Some(ca),
            key_only: false,
            extra: vec![],
            names: false,
        },
        Expected {
            file: "cert-rc2-key-3des.p12",
            password: Some("cryptography"),
            identity: Some(ca),
            key_only: false,
            extra: vec![],
            names: false,
        },
        Expected {
            file: "no-password.p12",
            password: None,
            identity: Some(ca),
            key_only: false,
            extra: vec![],
            names: false,
        },
        Expected {
            file: "cert-aes256cbc-no-key.p12",
            password: Some("cryptography"),
            identity: None,
            key_only: false,
            extra: vec![("ca.pem", None)],
            names: false,
        },
        Expected {
            file: "no-cert-key-aes256cbc.p12",
            password: Some("cryptography"),
            identity: None,
            key_only: true,
            extra: vec![],
            names: false,
        },
    ];
    // test_load_object: (name, name2, name3, file, password).
    let names: [(Name, Name, Name, &str); 7] = [
        (None, None, None, "no-name"),
        (Some("name"), Some("name2"), Some("name3"), "name-all"),
        (Some("name"), None, None, "name-1"),
        (None, Some("name2"), Some("name3"), "name-2-3"),
        (None, Some("name2"), None, "name-2"),
        (None, None, Some("name3"), "name-3"),
        (Some("☺"), Some("ä"), Some("ç"), "name-unicode"),
    ];
    let file = |stem: &str, pwd: bool| -> &'static str {
        Box::leak(format!("{stem}-{}.p12", if pwd { "pwd" } else { "no-pwd" }).into_boxed_str())
    };
    for (n1, n2, n3, stem) in names {
        for pwd in [false, true] {
            v.push(Expected {
                file: file(stem, pwd),
                password: pwd.then_some("password"),
                identity: Some(("ca.pem", n1)),
                key_only: false,
                extra: vec![("cryptography.io.pem", n2), ("letsencryptx3.pem", n3)],
                names: true,
            });
        }
    }
    // test_load_object_no_cert_key: (name2, name3, file, password).
    let no_cert: [(Name, Name, &str); 5] = [
        (None, None, "no-cert-no-name"),
        (Some("name2"), Some("name3"), "no-cert-name-all"),
        (Some("name2"), None, "no-cert-name-2"),
        (None, Some("name3"), "no-cert-name-3"),
        (Some("☹"), Some("ï"), "no-cert-name-unicode"),
    ];
    for (n2, n3, stem) in no_cert {
        for pwd in [false, true] {
            v.push(Expected {
                file: file(stem, pwd),
                password: pwd.then_some("password"),
                identity: None,
                key_only: false,
                extra: vec![("cryptography.io.pem", n2), ("letsencryptx3.pem", n3)],
                names: true,
            });
        }
    }
    check_all("pyca", &v);
    // test_invalid_password: a wrong password is an error.
    let der = std::fs::read(fixture("peers/pyca/cert-key-aes256cbc.p12")).unwrap();
    assert!(matches!(
        Contents::read(&der, &Password::new("invalid")),
        Err(pbkit_pkcs12::Error::WrongPassword)
    ));
}

/// pkcs12_test.go TestPfx: each file decodes with the empty password to an RSA key and
/// a certificate whose common name is the map's key.
#[test]
fn go_pkcs12_vectors_agree() {
    let cases = [
        ("windows-azure-tools.p12", "Windows Azure Tools"),
        (
            "windows-ias-peap-ldaps-certificates.p12",
            "Windows IAS PEAP & LDAPS certificates",
        ),
        ("testing-example-com.p12", "testing@example.com"),
    ];
    let mut agree = 0;
    let mut failures = Vec::new();
    for (file, cn) in cases {
        let der = std::fs::read(fixture(&format!("peers/go/{file}"))).unwrap();
        let outcome = pbkit_pkcs12::Identity::from_pkcs12(&der, &Password::new(""))
            .map_err(|e| e.to_string())
            .and_then(|id| {
                // Go compares cert.Subject.CommonName: the subject's CN attribute.
                let common_name = id
                    .certificate()
                    .x509()
                    .subject_name()
                    .entries_by_nid(openssl::nid::Nid::COMMONNAME)
                    .next()
                    .and_then(|e| e.data().to_string().ok());
                let rsa = id.key().rsa().map_err(|e| e.to_string())?;
                match (common_name.as_deref() == Some(cn), rsa.check_key()) {
                    (true, Ok(true)) => Ok(()),
                    _ => Err(format!("common name {common_name:?}")),
                }
            });
        match outcome {
            Ok(()) => agree += 1,
            Err(e) => failures.push(format!("{file}: {e}")),
        }
    }
    println!(
        "go: pbkit agrees with the peer on {agree} of {} vectors",
        cases.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// cert_tests.rs decode_sample_pfx(2): example.pfx (empty password) and example2.pfx
/// (`1234`) hold cert.der and the PKCS#8 key.der.
#[test]
fn rustcrypto_pkcs12_vectors_agree() {
    let cert = std::fs::read(fixture("peers/rustcrypto/cert.der")).unwrap();
    let key = std::fs::read(fixture("peers/rustcrypto/key.der")).unwrap();
    let mut agree = 0;
    let mut failures = Vec::new();
    for (file, pw) in [("example.pfx", ""), ("example2.pfx", "1234")] {
        let der = std::fs::read(fixture(&format!("peers/rustcrypto/{file}"))).unwrap();
        match pbkit_pkcs12::RawIdentity::read(&der, &Password::new(pw)) {
            Ok(id) if id.certificate == cert && id.pkcs8.as_slice() == key.as_slice() => agree += 1,
            Ok(_) => failures.push(format!("{file}: other certificate or key")),
            Err(e) => failures.push(format!("{file}: {e}")),
        }
    }
    println!("rustcrypto: pbkit agrees with the peer on {agree} of 2 vectors");
    assert!(failures.is_empty(), "{failures:#?}");
}

/// `p12 inspect` says which spelling of "no password" a file uses: pyca's no-password.p12
/// (written with a NULL password) and RustCrypto's example.pfx (`openssl pkcs12 -export
/// -passout pass:`, an empty string).
#[test]
fn inspect_names_the_empty_password_spelling() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.pw");
    std::fs::write(&empty, "").unwrap();
    let v = inspect_json(&empty, &fixture("peers/pyca/no-password.p12"));
    assert_eq!(v["empty_password"], "absent");
    let v = inspect_json(&empty, &fixture("peers/rustcrypto/example.pfx"));
    assert_eq!(v["empty_password"], "empty-string");
    let text = ok(pbkit()
        .args(["p12", "inspect", "--password-file"])
        .arg(&empty)
        .arg(fixture("peers/pyca/no-password.p12")));
    assert!(
        text.contains("password       absent (a NULL password"),
        "{text}"
    );
}

/// RFC 9579/9879 appendix A: A.1, a valid PKCS#12 with a PBMAC1 (HMAC-SHA-256, PBKDF2
/// with HMAC-SHA-256) under the password `1234`, as pyasn1-alt-modules publishes it; and the
/// appendix's invalid variants (A.4 iteration count, A.5 salt, A.6 no key length), made
/// from A.1 by the changes the RFC describes, with the short-key bypass (a key length of
/// 1). The RFC and the OpenJDK test of these vectors (PBMAC1Encoding.java) expect A.1 to
/// load and A.4 to A.6 to fail.
#[test]
fn rfc9579_pbmac1_vectors_agree() {
    let a1 = std::fs::read(fixture("peers/rfc9579/a1-sha256.p12")).unwrap();
    // MacData's PBKDF2 parameters in A.1: salt at 2612 (8 bytes), iterations 0x0800 at
    // 2622, keyLength 32 at 2624..2627.
    assert_eq!(
        &a1[2612..2620],
        &[0x6F, 0x47, 0x3C, 0x38, 0xB0, 0x2E, 0x31, 0x73]
    );
    assert_eq!(&a1[2620..2627], &[0x02, 0x02, 0x08, 0x00, 0x02, 0x01, 0x20]);
    let pw = Password::new("1234");
    let id = pbkit_pkcs12::Identity::from_pkcs12(&a1, &pw).expect("A.1 opens");
    assert!(id.certificate().facts().unwrap().subject.ends_with("CN=tt"));
    assert!(matches!(
        pbkit_pkcs12::Identity::from_pkcs12(&a1, &Password::new("4321")),
        Err(pbkit_pkcs12::Error::WrongPassword)
    ));

    let mut a4 = a1.clone();
    a4[2623] = 0x01; // iterations 2049
    let mut a5 = a1.clone();
    a5[2612..2620].copy_from_slice(b"NOT USED"); // another salt
    let mut short = a1.clone();
    short[2626] = 0x01; // keyLength 1: the bypass
                        // A.6: keyLength removed, and every enclosing length 3 bytes shorter.
    let mut a6 = a1.clone();
    a6.drain(2624..2627);
    for at in [2609, 2596, 2594, 2581, 2579, 2577] {
        a6[at] -= 3;
    }
    let outer = u16::from_be_bytes([a6[2], a6[3]]) - 3;
    a6[2..4].copy_from_slice(&outer.to_be_bytes());

    let mut agree = 1;
    for (name, der, expected) in [
        ("A.4", &a4, "wrong password"),
        ("A.5", &a5, "wrong password"),
        ("A.6", &a6, "PBMAC1 without a PBKDF2 key length"),
        (
            "short key",
            &short,
            "PBMAC1 key length 1 is not the 32-byte output",
        ),
    ] {
        match pbkit_pkcs12::Identity::from_pkcs12(der, &pw) {
            Err(e) if e.to_string().contains(expected) => agree += 1,
            other => panic!("{name}: {:?}", other.map(|_| "opened")),
        }
    }
    println!("rfc9579: pbkit agrees with the RFC on {agree} of 5 vectors");
}

/// `--pbmac1` writes a file whose MAC pbkit reads as PBMAC1, with iOS "unknown"; with the
/// modern suite (written by OpenSSL 3.0, which has no PBMAC1) it is refused.
#[test]
fn pbmac1_is_written_on_request_and_refused_where_it_cannot_be() {
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("pw");
    let repack = |suite: &str, out: &str| {
        run(pbkit()
            .args(["p12", "repack", "--pbmac1", "--suite", suite])
            .arg(fixture("peers/rfc9579/a1-sha256.p12"))
            .arg("--in-password-file")
            .arg(&{
                let p = tmp.path().join("in.pw");
                std::fs::write(&p, "1234").unwrap();
                p
            })
            .arg("--out")
            .arg(tmp.path().join(out))
            .arg("--out-password-file")
            .arg(&pw))
    };
    assert!(repack("purebred", "a.p12").status.success());
    let v = inspect_json(&pw, &tmp.path().join("a.p12"));
    assert_eq!(v["mac"]["pbmac1_prf"], "sha256");
    assert_eq!(v["ios"]["import"], "unknown");
    let o = repack("modern", "b.p12");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("PBMAC1 with the modern suite"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("b.p12").exists());
}

/// NIST PKITS' DSAParametersInheritedCACert.p12 (password `password`): its certificate's
/// DSA key takes its parameters from the issuer, which OpenSSL cannot decode alone. Inspect
/// shows the rest and names the certificate (exit 0); repack, which needs the identity,
/// fails saying why.
#[test]
fn inspect_shows_the_rest_when_a_certificate_cannot_be_decoded() {
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "password").unwrap();
    let file = fixture("peers/pyca/DSAParametersInheritedCACert.p12");
    let text = ok(pbkit()
        .args(["p12", "inspect", "--password-file"])
        .arg(&pw)
        .arg(&file));
    assert!(text.contains("pkcs8-shrouded-key"), "{text}");
    assert!(
        text.contains(
            "problem        certificate US, Test Certificates 2011, DSA Parameters Inherited CA: \
             the public key cannot be decoded (OpenSSL: decode error)"
        ),
        "{text}"
    );
    let o = run(pbkit()
        .args(["p12", "repack"])
        .arg(&file)
        .arg("--in-password-file")
        .arg(&pw)
        .arg("--out")
        .arg(tmp.path().join("out.p12"))
        .arg("--out-password-file")
        .arg(tmp.path().join("out.pw")));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("matches no certificate"),
        "{}",
        stderr(&o)
    );
}

/// What pyca's `tests/x509/test_x509.py` and `test_x509_ext.py` (cryptography 46.0.3)
/// state about a certificate file.
enum Pyca {
    /// It loads, with these facts (RFC 3339 times, the serial in decimal, a subject part).
    Loads {
        serial: Option<i128>,
        not_before: Option<&'static str>,
        not_after: Option<&'static str>,
        subject: Option<&'static str>,
    },
    /// It loads and is the same certificate as this other vector.
    Same(&'static str),
    /// Loading raises; pbkit must refuse it too, in these words.
    Refused(&'static str),
    /// It loads, but reading this part raises: pbkit must show the certificate and name
    /// the part in a problem.
    PartFails(&'static str),
}

const LOADS: Pyca = Pyca::Loads {
    serial: None,
    not_before: None,
    not_after: None,
    subject: None,
};

/// pbkit's differences from pyca on these vectors, each with why.
const PYCA_X509_KNOWN: &[(&str, &str)] = &[(
    "invalid_utf8_common_name.pem",
    "OpenSSL refuses a name with an invalid UTF8String when it parses the certificate; \
     pyca loads it and raises only when the subject is read",
)];

/// `pbkit cert show --json` on one vector against pyca's outcome; the difference in words.
fn cert_show_agrees(file: &str, expected: &Pyca) -> Result<(), String> {
    let path = fixture(&format!("peers/pyca/x509/{file}"));
    let out = run(pbkit().args(["cert", "show", "--json"]).arg(&path));
    let (code, err) = (out.status.code(), stderr(&out));
    let shown: serde_json::Value =
        serde_json::from_str(&stdout(&out)).map_err(|e| e.to_string())?;
    let facts = &shown[0]["facts"];
    let problems = facts["problems"].as_array().cloned().unwrap_or_default();
    let loads = code == Some(0) && facts.is_object();
    match expected {
        Pyca::Refused(words) => {
            if code != Some(1)
                || !err.contains(words)
                || shown.as_array().is_some_and(|a| !a.is_empty())
            {
                return Err(format!("pyca refuses it; pbkit exit {code:?}: {err}"));
            }
        }
        Pyca::PartFails(part) => {
            if !loads
                || !problems
                    .iter()
                    .any(|p| p.as_str().is_some_and(|p| p.contains(part)))
            {
                return Err(format!("pyca loads it and fails on {part}; pbkit exit {code:?} {err} problems {problems:?}"));
            }
        }
        Pyca::Same(other) => {
            let other =
                pbkit_pki::bundle::read_one(fixture(&format!("peers/pyca/{other}"))).unwrap();
            if !loads || facts["sha256"] != other.sha256_hex() {
                return Err(format!(
                    "pyca reads {other:?}; pbkit exit {code:?} {err} {facts}"
                ));
            }
        }
        Pyca::Loads {
            serial,
            not_before,
            not_after,
            subject,
        } => {
            if !loads || !problems.is_empty() {
                return Err(format!(
                    "pyca loads it; pbkit exit {code:?}: {err} {problems:?}"
                ));
            }
            if let Some(serial) = serial {
                let hex = facts["serial"].as_str().unwrap();
                let value = match hex.strip_prefix('-') {
                    Some(h) => -i128::from_str_radix(h, 16).unwrap(),
                    None => i128::from_str_radix(hex, 16).unwrap(),
                };
                if value != *serial {
                    return Err(format!("serial {serial}, pbkit {hex}"));
                }
            }
            for (key, want) in [("not_before", not_before), ("not_after", not_after)] {
                if let Some(want) = want {
                    if facts[key] != *want {
                        return Err(format!("{key} {want}, pbkit {}", facts[key]));
                    }
                }
            }
            if let Some(want) = subject {
                if !facts["subject"].as_str().unwrap().contains(want) {
                    return Err(format!("subject with {want}, pbkit {}", facts["subject"]));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn pyca_x509_vectors_agree() {
    use Pyca::*;
    let times = |nb, na| Loads {
        serial: None,
        not_before: nb,
        not_after: na,
        subject: None,
    };
    let vectors: Vec<(&str, Pyca)> = vec![
        // test_load_pem_cert, test_post_2000_utc_cert
        (
            "post2000utctime.pem",
            Loads {
                serial: Some(11_559_813_051_657_483_483),
                not_before: Some("2014-11-26T21:41:20Z"),
                not_after: Some("2014-12-26T21:41:20Z"),
                subject: None,
            },
        ),
        // test_load_good_ca_cert
        (
            "GoodCACert.crt",
            Loads {
                serial: Some(2),
                not_before: Some("2010-01-01T08:30:00Z"),
                not_after: Some("2030-12-31T08:30:00Z"),
                subject: None,
            },
        ),
        // test_utc_pre_2000_not_before_cert, test_pre_2000_utc_not_after_cert
        (
            "Validpre2000UTCnotBeforeDateTest3EE.crt",
            times(Some("1950-01-01T12:01:00Z"), None),
        ),
        (
            "Invalidpre2000UTCEEnotAfterDateTest7EE.crt",
            times(None, Some("1999-01-01T12:01:00Z")),
        ),
        // test_generalized_time_not_before_cert, test_generalized_time_not_after_cert
        (
            "ValidGeneralizedTimenotBeforeDateTest4EE.crt",
            times(Some("2002-01-01T12:01:00Z"), Some("2030-12-31T08:30:00Z")),
        ),
        (
            "ValidGeneralizedTimenotAfterDateTest8EE.crt",
            times(Some("2010-01-01T08:30:00Z"), Some("2050-01-01T12:01:00Z")),
        ),
        // test_version_1_cert
        ("v1_cert.pem", LOADS),
        // test_negative_serial_number (loads, with a deprecation warning)
        (
            "negative_serial.pem",
            Loads {
                serial: Some(-18_008_675_309),
                not_before: None,
                not_after: None,
                subject: None,
            },
        ),
        // test_unicode_name
        (
            "utf8_common_name.pem",
            Loads {
                serial: None,
                not_before: None,
                not_after: None,
                subject: Some("CN=We heart UTF8!\u{2122}"),
            },
        ),
        // test_country_jurisdiction_country_too_long (loads, with a warning)
        (
            "bad_country.pem",
            Loads {
                serial: None,
                not_before: None,
                not_after: None,
                subject: Some("C=too long"),
            },
        ),
        // test_load_legacy_pem_header, test_load_with_other_sections,
        // test_load_multiple_sections (the first certificate)
        (
            "cryptography.io.old_header.pem",
            Same("cryptography.io.pem"),
        ),
        (
            "cryptography.io.with_garbage.pem",
            Same("cryptography.io.pem"),
        ),
        (
            "cryptography.io.with_headers.pem",
            Same("cryptography.io.pem"),
        ),
        ("cryptography.io.chain.pem", Same("cryptography.io.pem")),
        // test_alternate_rsa_with_sha1_oid, test_load_dsa_cert_null_alg_params,
        // test_unsupported_signature_hash_algorithm_cert (loads; the hash raises on use)
        ("alternate-rsa-sha1-oid.der", LOADS),
        ("dsa_null_alg_params.pem", LOADS),
        ("verisign_md2_root.pem", LOADS),
        // test_invalid_version_cert, test_bad_time_in_validity, test_invalid_pem
        ("invalid_version.pem", Refused("version field 7")),
        ("badasn1time.pem", Refused("it cannot be decoded")),
        ("crl_empty.pem", Refused("no CERTIFICATE or PKCS7 block")),
        // TestSubjectAlternativeName/TestIssuerAlternativeName test_malformed,
        // test_duplicate_extension, test_unsupported_subject_public_key_info,
        // test_load_ecdsa_no_named_curve, test_invalid_empty_eku, test_invalid_unicode_name
        ("malformed-san.pem", PartFails("subjectAltName")),
        ("malformed-ian.pem", PartFails("issuerAltName")),
        (
            "two_basic_constraints.pem",
            PartFails("basicConstraints appears twice"),
        ),
        (
            "unsupported_subject_public_key_info.pem",
            PartFails("public key"),
        ),
        (
            "ec_no_named_curve.pem",
            PartFails("explicit curve parameters"),
        ),
        ("empty-eku.pem", PartFails("extendedKeyUsage")),
        ("invalid_utf8_common_name.pem", PartFails("subject")),
    ];
    let mut differ = Vec::new();
    for (file, expected) in &vectors {
        if let Err(e) = cert_show_agrees(file, expected) {
            differ.push(format!("{file}: {e}"));
        }
    }
    println!(
        "pyca x509: {} vectors, pbkit agrees on {}",
        vectors.len(),
        vectors.len() - differ.len()
    );
    let unexpected: Vec<&String> = differ
        .iter()
        .filter(|d| {
            !PYCA_X509_KNOWN
                .iter()
                .any(|(f, _)| d.starts_with(&format!("{f}: ")))
        })
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert_eq!(
        differ.len(),
        PYCA_X509_KNOWN.len(),
        "a known difference is fixed: {differ:#?}"
    );
}
