//! `pbkit profile`: shipped specs, lint findings, signing interop with the openssl CLI and
//! Python plistlib, spec errors.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const SPECS: [&str; 4] = [
    "purebred-exchange",
    "exchange-smime-identities",
    "mail-smime",
    "dod-trust",
];

fn build(spec: &str, out: &Path, extra: &[&str]) {
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles").join(format!("{spec}.toml")))
        .args(extra)
        .arg("--out")
        .arg(out));
}

fn lint_json(files: &[&Path], extra: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let o = run(pbkit()
        .args(["profile", "lint", "--json"])
        .args(extra)
        .args(files));
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&o)).unwrap_or_else(|_| panic!("{}", stderr(&o)));
    (o.status.code().unwrap(), v.as_array().unwrap().clone())
}

/// Signs with the generated MDM server identity and its path.
fn signer_args(pki: &Path) -> Vec<String> {
    [
        "--signer".to_string(),
        pki.join("server/mdm-server.p12").display().to_string(),
        "--signer-password-file".into(),
        pki.join("password").display().to_string(),
        "--chain".into(),
        pki.join("trust/intermediates.pem").display().to_string(),
    ]
    .to_vec()
}

/// `profiles/dod-trust.toml` built and signed by the generated MDM server identity.
fn signed_dod_trust(dir: &Path) -> PathBuf {
    let signed = dir.join("s.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/dod-trust.toml"))
        .args(signer_args(generated_pki()))
        .arg("--out")
        .arg(&signed));
    signed
}

#[test]
fn every_shipped_spec_builds_lints_clean_and_parses_in_plistlib() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for spec in SPECS {
        let out = tmp.path().join(format!("{spec}.mobileconfig"));
        build(spec, &out, &[]);
        files.push(out);
    }
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (code, findings) = lint_json(&refs, &[]);
    assert_eq!(code, 0);
    // Clean but for the specs' example hosts, which the admin sets with --var.
    assert_eq!(findings.len(), 4, "{findings:#?}");
    assert!(
        findings
            .iter()
            .all(|f| f["check"] == "placeholder" && f["severity"] == "warning"),
        "{findings:#?}"
    );
    let script = "import plistlib, sys\nfor f in sys.argv[1:]:\n    d = plistlib.load(open(f, 'rb'))\n    print(d['PayloadType'], len(d['PayloadContent']))";
    let out = ok(Command::new("python3").arg("-c").arg(script).args(&files));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "Configuration 1",
            "Configuration 3",
            "Configuration 3",
            "Configuration 7"
        ]
    );
    // Identities make a profile secret.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&files[0]), 0o644);
    assert_eq!(mode(&files[1]), 0o600);
}

#[test]
fn rebuilds_are_byte_identical_and_jamf_variables_survive() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    build("purebred-exchange", &a, &[]);
    build("purebred-exchange", &b, &[]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let text = std::fs::read_to_string(&a).unwrap();
    assert!(
        text.contains("<string>$EMAIL</string>") && text.contains("<string>$USERNAME</string>")
    );
    for key in [
        "SMIMESigningUserOverrideable",
        "SMIMESigningCertificateUUIDUserOverrideable",
        "SMIMEEncryptByDefaultUserOverrideable",
        "SMIMEEncryptionCertificateUUIDUserOverrideable",
    ] {
        assert!(
            text.contains(&format!("<key>{key}</key>\n\t\t\t<true/>")),
            "{key}"
        );
    }
    // --var overrides [vars].
    build("purebred-exchange", &b, &["--var", "host=owa.example.mil"]);
    assert!(std::fs::read_to_string(&b)
        .unwrap()
        .contains("<string>owa.example.mil</string>"));
}

#[test]
fn openssl_cms_verifies_pbkit_signatures_and_pbkit_verifies_openssl_ones() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let signed = tmp.path().join("signed.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/purebred-exchange.toml"))
        .args(signer_args(pki))
        .arg("--out")
        .arg(&signed));
    let plain = tmp.path().join("plain.mobileconfig");
    build("purebred-exchange", &plain, &[]);
    // openssl cms -verify: the embedded chain reaches the anchor, the content is the plist.
    let content = tmp.path().join("content.plist");
    ok(Command::new("openssl")
        .args([
            "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-CAfile",
        ])
        .arg(pki.join("trust/anchor.pem"))
        .arg("-in")
        .arg(&signed)
        .arg("-out")
        .arg(&content));
    assert_eq!(
        std::fs::read(&content).unwrap(),
        std::fs::read(&plain).unwrap(),
        "signed bytes unchanged"
    );
    let asn1 = ok(Command::new("openssl")
        .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
        .arg(&signed));
    // The SignerInfo's own digest algorithm (the embedded certificates' sha256WithRSA
    // signatures would satisfy a search of the whole dump).
    let signer_info = asn1
        .split_once("signerInfos:")
        .map(|(_, rest)| rest)
        .expect("a SignerInfo");
    let digest = signer_info
        .split_once("digestAlgorithm:")
        .and_then(|(_, rest)| rest.lines().map(str::trim).find(|l| !l.is_empty()))
        .expect("the SignerInfo's digestAlgorithm");
    assert_eq!(digest, "algorithm: sha256 (2.16.840.1.101.3.4.2.1)");

    let verify = |file: &Path, anchor: bool| {
        let mut c = pbkit();
        c.args(["profile", "verify"]).arg(file);
        if anchor {
            c.arg("--anchor").arg(pki.join("trust/anchor.pem"));
        }
        let o = run(&mut c);
        (o.status.code().unwrap(), stdout(&o))
    };
    assert_eq!(verify(&signed, true).0, 0);
    assert!(verify(&signed, true).1.starts_with("Verified"));
    let (code, out) = verify(&signed, false);
    assert_eq!(code, 3, "{out}");
    assert!(out.starts_with("Unverified"));
    assert_eq!(verify(&plain, true).0, 4);

    // A profile signed by openssl smime, as admins script it today.
    let theirs = tmp.path().join("openssl.mobileconfig");
    ok(Command::new("openssl")
        .args([
            "smime",
            "-sign",
            "-nodetach",
            "-binary",
            "-outform",
            "der",
            "-signer",
        ])
        .arg(pki.join("server/mdm-server.pem"))
        .arg("-inkey")
        .arg(pki.join("server/mdm-server.key.pem"))
        .arg("-certfile")
        .arg(pki.join("trust/intermediates.pem"))
        .arg("-in")
        .arg(&plain)
        .arg("-out")
        .arg(&theirs));
    let (code, out) = verify(&theirs, true);
    assert_eq!(code, 0, "{out}");

    // Tampering: one byte of the content changed.
    let mut bytes = std::fs::read(&signed).unwrap();
    let at = bytes.windows(6).position(|w| w == b"$EMAIL").unwrap();
    bytes[at + 1] = b'F';
    let tampered = tmp.path().join("tampered.mobileconfig");
    std::fs::write(&tampered, &bytes).unwrap();
    let (code, out) = verify(&tampered, true);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("Invalid"), "{out}");

    // Unsign gives back exactly the plist that was signed.
    let unsigned = tmp.path().join("unsigned.mobileconfig");
    ok(pbkit()
        .args(["profile", "unsign"])
        .arg(&signed)
        .arg("--out")
        .arg(&unsigned));
    assert_eq!(
        std::fs::read(&unsigned).unwrap(),
        std::fs::read(&plain).unwrap()
    );
    assert_eq!(
        run(pbkit()
            .args(["profile", "unsign"])
            .arg(&tampered)
            .arg("--out")
            .arg(tmp.path().join("x")))
        .status
        .code(),
        Some(1)
    );
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn inspect_shows_references_certificates_and_the_signer() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let signed = tmp.path().join("s.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/exchange-smime-identities.toml"))
        .args(signer_args(pki))
        .arg("--out")
        .arg(&signed));
    let v: serde_json::Value = serde_json::from_str(&ok(pbkit()
        .args(["profile", "inspect", "--json", "--anchor"])
        .arg(pki.join("trust/anchor.pem"))
        .arg(&signed)))
    .unwrap();
    assert_eq!(v["verdict"]["verdict"], "Verified");
    assert_eq!(
        v["signer"]["subject"],
        "C=US, O=pbkit Test PKI, OU=DoD, OU=PKI, OU=USN, CN=mdm.pbkit.test"
    );
    // The signer's path only: SW CA-66, DoD Root CA 3 (cross), IRCA 2 (cross), FBCA G4
    // (cross); not the ID and EMAIL CAs that --chain also held. (CMS keeps certificates
    // as a SET: in DER order, not path order.)
    let mut cns: Vec<&str> = v["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap().rsplit("CN=").next().unwrap())
        .collect();
    cns.sort_unstable();
    assert_eq!(
        cns,
        [
            "Test DOD SW CA-66",
            "Test DoD Interoperability Root CA 2",
            "Test DoD Root CA 3",
            "Test Federal Bridge CA G4"
        ]
    );
    let eas = &v["payloads"][2];
    assert_eq!(eas["references"][0]["key"], "SMIMESigningCertificateUUID");
    assert_eq!(
        eas["references"][0]["target"],
        "mil.example.smime.exchange.signing"
    );
    assert_eq!(
        v["payloads"][0]["certificate"]["subject"],
        "C=US, O=pbkit Test PKI, OU=DoD, OU=PKI, OU=USA, CN=test.user1.1000000001"
    );
}

/// Each broken profile gives its finding, with the severity the check promises.
#[test]
fn lint_finds_every_kind_of_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.mobileconfig");
    build("exchange-smime-identities", &good, &[]);
    let good_mail = tmp.path().join("mail.mobileconfig");
    build("mail-smime", &good_mail, &[]);
    // Python plistlib edits the good profile; pbkit must spot each change.
    let edits: &[(&str, &str, &str, &str)] = &[
        ("deprecated", "d['PayloadContent'][2]['SMIMEEncryptionEnabled'] = True", "warning", "use SMIMEEncryptByDefault"),
        ("unknown-key", "d['PayloadContent'][2]['SMIMESigningEnabeld'] = True", "warning", "SMIMESigningEnabeld is not a key"),
        ("type", "d['PayloadContent'][2]['SSL'] = 'yes'", "error", "SSL must be <boolean>"),
        ("required", "del d['PayloadContent'][0]['PayloadContent']", "error", "required key PayloadContent is missing"),
        ("duplicate-uuid", "d['PayloadContent'][1]['PayloadUUID'] = d['PayloadContent'][0]['PayloadUUID']", "error", "is used 2 times"),
        ("duplicate-identifier", "d['PayloadContent'][1]['PayloadIdentifier'] = d['PayloadContent'][0]['PayloadIdentifier']", "error", "is used by 2 payloads"),
        ("reference", "d['PayloadContent'][2]['SMIMESigningCertificateUUID'] = '00000000-0000-0000-0000-000000000000'", "error", "not in this profile"),
        ("reference", "d['PayloadContent'][2]['SMIMESigningCertificateUUID'] = d['PayloadContent'][2]['PayloadUUID']", "error", "not an identity payload"),
        ("pkcs12", "d['PayloadContent'][0]['Password'] = 'wrong'", "error", "wrong password"),
        ("key-usage", "p = d['PayloadContent'][2]; p['SMIMESigningCertificateUUID'], p['SMIMEEncryptionCertificateUUID'] = p['SMIMEEncryptionCertificateUUID'], p['SMIMESigningCertificateUUID']", "error", "without digitalSignature"),
        ("email", "d['PayloadContent'][2]['EmailAddress'] = 'someone.else@pbkit.test'", "error", "is not the signing identity's first SAN email"),
        ("email", "d['PayloadContent'][2]['EmailAddress'] = 'Test.User1@pbkit.test'", "error", "compares them exactly"),
        ("supervision", "d['PayloadRemovalDisallowed'] = True", "note", "supervised"),
        ("size", "d['PayloadContent'][2]['HeaderMagic'] = 'x' * 1000001", "warning", "over 1000000 bytes"),
        ("password", "del d['PayloadContent'][1]['Password']", "note", "asks for it at install"),
    ];
    for (check, edit, severity, text) in edits {
        let bad = tmp.path().join(format!("{check}.mobileconfig"));
        let script = format!("import plistlib, sys\nd = plistlib.load(open(sys.argv[1], 'rb'))\n{edit}\nplistlib.dump(d, open(sys.argv[2], 'wb'))");
        ok(Command::new("python3")
            .arg("-c")
            .arg(&script)
            .arg(&good)
            .arg(&bad));
        let (code, findings) = lint_json(&[&bad], &[]);
        let hit = findings
            .iter()
            .find(|f| f["check"] == *check && f["message"].as_str().unwrap().contains(text));
        let hit =
            hit.unwrap_or_else(|| panic!("{check}: no finding with {text:?} in {findings:#?}"));
        assert_eq!(hit["severity"], *severity, "{check}");
        assert_eq!(
            code,
            if findings.iter().any(|f| f["severity"] == "error") {
                1
            } else {
                0
            },
            "{check}"
        );
    }
    // Allowed values on the IMAP payload.
    let bad = tmp.path().join("auth.mobileconfig");
    ok(Command::new("python3").arg("-c").arg("import plistlib, sys\nd = plistlib.load(open(sys.argv[1], 'rb'))\nd['PayloadContent'][2]['IncomingMailServerAuthentication'] = 'EmailAuthKerberos'\nplistlib.dump(d, open(sys.argv[2], 'wb'))").arg(&good_mail).arg(&bad));
    let (code, findings) = lint_json(&[&bad], &[]);
    assert_eq!(code, 1);
    assert!(
        findings.iter().any(|f| f["check"] == "allowed-values"
            && f["message"].as_str().unwrap().contains("EmailAuthPassword")),
        "{findings:#?}"
    );
    // Keys newer than --min-ios.
    let (code, findings) = lint_json(&[&good], &["--min-ios", "11.0"]);
    assert_eq!(code, 0);
    assert!(
        findings.iter().any(|f| f["check"] == "min-ios"
            && f["message"].as_str().unwrap().contains("needs iOS 12.0")),
        "{findings:#?}"
    );
}

#[test]
fn lint_reads_signed_profiles_and_rejects_broken_signatures() {
    let tmp = tempfile::tempdir().unwrap();
    let signed = signed_dod_trust(tmp.path());
    let (code, findings) = lint_json(&[&signed], &[]);
    assert_eq!((code, findings.len()), (0, 0), "{findings:#?}");
    let mut bytes = std::fs::read(&signed).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0x01;
    std::fs::write(&signed, &bytes).unwrap();
    let (code, findings) = lint_json(&[&signed], &[]);
    assert_eq!(code, 1);
    assert_eq!(findings[0]["check"], "signature");
}

/// Spec errors name the file, the key and the problem, and write nothing.
#[test]
fn spec_errors_name_file_key_and_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("unknown key", "[[payloads]]\nname='a'\ntype='com.apple.eas.account'\n[payloads.keys]\nSMIMESigningEnabeld = true", "payloads[0].keys.SMIMESigningEnabeld: not a key of com.apple.eas.account"),
        ("wrong type", "[[payloads]]\nname='a'\ntype='com.apple.eas.account'\n[payloads.keys]\nSSL = 'yes'", "payloads[0].keys.SSL"),
        ("dangling reference", "[[payloads]]\nname='a'\ntype='com.apple.eas.account'\n[payloads.keys]\nSMIMESigningCertificateUUID = { payload = 'nope' }", "refers to payload \"nope\""),
        ("undefined variable", "[[payloads]]\nname='a'\ntype='com.apple.eas.account'\n[payloads.keys]\nHost = '{{host}}'", "undefined variable {{host}}"),
        ("missing file", "[[payloads]]\nname='a'\ntype='com.apple.security.root'\nfile='nope.pem'", "payloads[0].file"),
        ("duplicate name", "[[payloads]]\nname='a'\ntype='com.apple.eas.account'\n[[payloads]]\nname='a'\ntype='com.apple.eas.account'", "payload name \"a\" is used twice"),
        ("toml syntax", "[[payloads]\nname=", "spec.toml"),
        ("unknown spec field", "[[payloads]]\nname='a'\ntype='com.apple.eas.account'\nfiel='x'", "unknown field `fiel`"),
    ];
    for (what, body, expect) in cases {
        let spec = tmp.path().join("spec.toml");
        std::fs::write(
            &spec,
            format!("[profile]\nidentifier = 'mil.example.t'\n{body}\n"),
        )
        .unwrap();
        let out = tmp.path().join("out.mobileconfig");
        let o = run(pbkit()
            .args(["profile", "build"])
            .arg(&spec)
            .arg("--out")
            .arg(&out));
        assert_eq!(o.status.code(), Some(1), "{what}");
        let err = stderr(&o);
        assert!(
            err.contains("spec.toml") && err.contains(expect),
            "{what}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{what}: {err}");
        assert!(!out.exists(), "{what}");
    }
}

/// Signing embeds the signer's path through --chain, not every certificate given, and
/// warns when that path reaches none of the --signer-anchor certificates.
#[test]
fn signing_embeds_the_signers_path_and_warns_when_it_reaches_no_anchor() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("p.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/dod-trust.toml"))
        .arg("--out")
        .arg(&plain));
    let sign = |chain: &[PathBuf], anchor: &Path| {
        let out = tmp.path().join("s.mobileconfig");
        let mut c = pbkit();
        c.args(["profile", "sign"])
            .arg(&plain)
            .arg("--out")
            .arg(&out);
        c.arg("--signer").arg(pki.join("server/mdm-server.p12"));
        c.arg("--signer-password-file").arg(pki.join("password"));
        for f in chain {
            c.arg("--chain").arg(f);
        }
        c.arg("--signer-anchor").arg(anchor);
        let o = run(&mut c);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&ok(pbkit()
            .args(["profile", "inspect", "--json", "--anchor"])
            .arg(anchor)
            .arg(&out)))
        .unwrap();
        (v, stderr(&o))
    };
    let anchor = pki.join("trust/anchor.pem");
    // The intermediates twice and the real FPKI pool beside them: still the path, once.
    let noise = [
        pki.join("trust/intermediates.pem"),
        pki.join("trust/intermediates.pem"),
        fixture("fpki/dod-root-ca-3.pem"),
        fixture("fpki/dod-id-ca-63.pem"),
    ];
    let (v, warnings) = sign(&noise, &anchor);
    assert_eq!(v["chain"].as_array().unwrap().len(), 4, "{v}");
    assert_eq!(v["verdict"]["verdict"], "Verified");
    assert_eq!(warnings, "");
    // Without the intermediates the chain stops short of the anchor: said, not silent.
    let (v, warnings) = sign(&[fixture("fpki/dod-id-ca-63.pem")], &anchor);
    assert_eq!(v["chain"].as_array().unwrap().len(), 0, "{v}");
    assert!(
        warnings.contains("--signer-anchor: the embedded chain ends at"),
        "{warnings}"
    );
}

/// An anchor is an anchor: an intermediate given as `--anchor` is trusted as it is, as
/// `openssl cms -verify -partial_chain` trusts it.
#[test]
fn verify_trusts_an_intermediate_given_as_anchor() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let signed = signed_dod_trust(tmp.path());
    let o = run(pbkit()
        .args(["profile", "verify", "--anchor"])
        .arg(pki.join("ca/dod-sw-ca-66.pem"))
        .arg(&signed));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("Verified"), "{}", stdout(&o));
    // An unrelated intermediate is no anchor for this signer; the reason is OpenSSL's, once.
    let o = run(pbkit()
        .args(["profile", "verify", "--anchor"])
        .arg(pki.join("ca/dod-email-ca-63.pem"))
        .arg(&signed));
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert_eq!(
        stdout(&o),
        "Unverified: the signature is valid, the chain is not trusted \
         (unable to get local issuer certificate)\n"
    );
}

/// Unsigned means a plain plist: empty or random bytes are Invalid (exit 1), not Unsigned.
#[test]
fn verify_calls_what_is_no_plist_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in [("empty", &b""[..]), ("random", &b"\x01\x02garbage\xff"[..])] {
        let file = tmp.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let o = run(pbkit().args(["profile", "verify"]).arg(&file));
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stdout(&o));
        assert!(
            stdout(&o).starts_with("Invalid: neither a signed profile nor a plist"),
            "{name}: {}",
            stdout(&o)
        );
    }
}

/// `profiles/purebred-exchange.toml` built, then changed by Python's plistlib as another
/// tool would write it (`edit` is Python over the dictionary `p`).
fn edited_exchange_profile(dir: &Path, name: &str, edit: &str) -> PathBuf {
    let built = dir.join("built.mobileconfig");
    build("purebred-exchange", &built, &[]);
    let out = dir.join(name);
    ok(Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import plistlib, sys\np = plistlib.load(open(sys.argv[1], 'rb'))\n{edit}\n\
             plistlib.dump(p, open(sys.argv[2], 'wb'))"
        ))
        .arg(&built)
        .arg(&out));
    out
}

fn findings_of(file: &Path) -> Vec<(String, String, String)> {
    lint_json(&[file], &[])
        .1
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("severity"), s("location"), s("check"))
        })
        .collect()
}

/// Apple's schema writes ConsentText's language keys as a placeholder (`ConsentTextItem`
/// holding `ANY`): the keys are free, their values strings.
#[test]
fn consent_text_takes_any_language_key() {
    let tmp = tempfile::tempdir().unwrap();
    let good = edited_exchange_profile(
        tmp.path(),
        "consent.mobileconfig",
        "p['ConsentText'] = {'default': 'Agree?', 'en': 'Agree?', 'de': 'Zustimmen?'}",
    );
    let consent: Vec<_> = findings_of(&good)
        .into_iter()
        .filter(|f| f.1.contains("ConsentText"))
        .collect();
    assert!(consent.is_empty(), "{consent:?}");
    let bad = edited_exchange_profile(
        tmp.path(),
        "consent-bad.mobileconfig",
        "p['ConsentText'] = {'en': 5}",
    );
    assert!(findings_of(&bad).contains(&(
        "error".into(),
        "profile.ConsentText.en".into(),
        "type".into()
    )));
}

/// A profile whose identifier is its payload's installs (many distributed profiles do it):
/// a note with the reason. Two payloads sharing one stay an error.
#[test]
fn an_identifier_shared_with_a_payload_is_a_note_and_between_payloads_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = edited_exchange_profile(
        tmp.path(),
        "shared.mobileconfig",
        "p['PayloadContent'][0]['PayloadIdentifier'] = p['PayloadIdentifier']",
    );
    let f = findings_of(&shared);
    assert!(
        f.contains(&("note".into(), "profile".into(), "shared-identifier".into())),
        "{f:?}"
    );
    assert!(!f.iter().any(|x| x.0 == "error"), "{f:?}");
    let twice = edited_exchange_profile(
        tmp.path(),
        "twice.mobileconfig",
        "import copy, uuid\nq = copy.deepcopy(p['PayloadContent'][0])\n\
         q['PayloadUUID'] = str(uuid.uuid4()).upper()\np['PayloadContent'].append(q)",
    );
    let f = findings_of(&twice);
    assert!(
        f.contains(&(
            "error".into(),
            "profile".into(),
            "duplicate-identifier".into()
        )),
        "{f:?}"
    );
}

/// PayloadEnabled, which macOS management tools write, is known: a note, not an unknown key.
#[test]
fn payload_enabled_is_known_outside_the_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let p = edited_exchange_profile(
        tmp.path(),
        "enabled.mobileconfig",
        "p['PayloadContent'][0]['PayloadEnabled'] = True",
    );
    let f = findings_of(&p);
    assert!(
        f.contains(&(
            "note".into(),
            "payloads[0] (com.apple.eas.account).PayloadEnabled".into(),
            "outside-schema".into()
        )),
        "{f:?}"
    );
    assert!(!f.iter().any(|x| x.2 == "unknown-key"), "{f:?}");
}

/// A PayloadVersion written as a string: lint reports it, inspect still shows the profile.
#[test]
fn inspect_shows_a_profile_it_cannot_model_with_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let p = edited_exchange_profile(
        tmp.path(),
        "version.mobileconfig",
        "p['PayloadVersion'] = '1'",
    );
    let text = ok(pbkit().args(["profile", "inspect"]).arg(&p));
    assert!(
        text.contains("profile mil.example.purebred.exchange"),
        "{text}"
    );
    assert!(
        text.contains("problem: PayloadVersion is not an integer"),
        "{text}"
    );
    assert!(text.contains("[1] com.apple.eas.account"), "{text}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(pbkit().args(["profile", "inspect", "--json"]).arg(&p))).unwrap();
    assert_eq!(v["problems"][0], "PayloadVersion is not an integer");
}

/// `profile diff` on the PKCS#12-carrying spec: its signing PKCS#12 repacked under a new
/// password (other bytes, the same certificate) is the same; every UUID rewritten
/// consistently, as Jamf Pro does on upload (by Python's plistlib here), is UUID-only; a
/// reference moved to the other identity, or another certificate, is a real change shown
/// by certificate facts.
#[test]
fn profile_diff_separates_uuid_only_changes_from_real_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let ids = tmp.path().join("test-identities");
    std::fs::create_dir(&ids).unwrap();
    for f in ["signature.p12", "encryption.p12", "password"] {
        std::fs::copy(root().join("profiles/test-identities").join(f), ids.join(f)).unwrap();
    }
    let template =
        std::fs::read_to_string(root().join("profiles/exchange-smime-identities.toml")).unwrap();
    // The spec with the signing identity's file and password file replaced, built.
    let build = |p12: &str, password: &str, out: &Path| {
        let spec = tmp.path().join("spec.toml");
        let text = template
            .replacen(
                "file = \"test-identities/signature.p12\"",
                &format!("file = \"{p12}\""),
                1,
            )
            .replacen(
                "password_file = \"test-identities/password\"",
                &format!("password_file = \"{password}\""),
                1,
            );
        std::fs::write(&spec, text).unwrap();
        ok(pbkit()
            .args(["profile", "build"])
            .arg(&spec)
            .arg("--out")
            .arg(out));
    };
    let diff = |x: &Path, y: &Path| {
        let o = run(pbkit().args(["profile", "diff", "--json"]).arg(x).arg(y));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        (o.status.code().unwrap(), v)
    };
    let a = tmp.path().join("a.mobileconfig");
    build(
        "test-identities/signature.p12",
        "test-identities/password",
        &a,
    );

    // The same identity, repacked under another password: other bytes, same certificate.
    std::fs::create_dir(tmp.path().join("repacked")).unwrap();
    ok(pbkit()
        .args(["p12", "repack"])
        .arg(ids.join("signature.p12"))
        .arg("--in-password-file")
        .arg(ids.join("password"))
        .arg("--out")
        .arg(tmp.path().join("repacked/signature.p12"))
        .arg("--out-password-file")
        .arg(tmp.path().join("repacked/password")));
    let repacked = tmp.path().join("repacked.mobileconfig");
    build("repacked/signature.p12", "repacked/password", &repacked);
    assert_ne!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&repacked).unwrap()
    );
    let (code, v) = diff(&a, &repacked);
    assert_eq!((code, v["real_changes"].as_u64()), (0, Some(0)), "{v:#}");

    let rewrite = |script: &str, out: &Path| {
        ok(Command::new("python3")
            .arg("-c")
            .arg(format!(
                "import plistlib, sys, uuid\n\
                 p = plistlib.load(open(sys.argv[1], 'rb'))\n\
                 {script}\n\
                 plistlib.dump(p, open(sys.argv[2], 'wb'))"
            ))
            .arg(&a)
            .arg(out));
    };
    // Every PayloadUUID replaced, and every reference to it.
    let jamf = tmp.path().join("jamf.mobileconfig");
    rewrite(
        "olds = [p['PayloadUUID']] + [q['PayloadUUID'] for q in p['PayloadContent']]\n\
         new = {o: str(uuid.uuid4()).upper() for o in olds}\n\
         def walk(d):\n    \
             for k, v in d.items():\n        \
                 if isinstance(v, str) and v in new: d[k] = new[v]\n\
         walk(p)\n\
         [walk(q) for q in p['PayloadContent']]",
        &jamf,
    );
    let (code, v) = diff(&a, &jamf);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["real_changes"], 0);
    // The profile's and 3 payloads' PayloadUUIDs, and 2 S/MIME references.
    assert_eq!(v["uuid_only_changes"], 6, "{v:#}");

    // The signing reference pointed at the encryption identity: a real change.
    let moved = tmp.path().join("moved.mobileconfig");
    rewrite(
        "eas = [q for q in p['PayloadContent'] if q['PayloadType'] == 'com.apple.eas.account'][0]\n\
         eas['SMIMESigningCertificateUUID'] = eas['SMIMEEncryptionCertificateUUID']",
        &moved,
    );
    let (code, v) = diff(&a, &moved);
    assert_eq!((code, v["real_changes"].as_u64()), (1, Some(1)), "{v:#}");
    let text = stdout(&run(pbkit().args(["profile", "diff"]).arg(&a).arg(&moved)));
    assert!(
        text.contains("    SMIMESigningCertificateUUID: \""),
        "{text}"
    );
    assert!(!text.contains("(UUID only)"), "{text}");

    // Another signing identity (a user's of the generated PKI): shown by its facts.
    std::fs::create_dir(tmp.path().join("other")).unwrap();
    let pki = generated_pki();
    let user = pki.join("users/test.user2/signature-g3.p12");
    std::fs::copy(user, tmp.path().join("other/signature.p12")).unwrap();
    std::fs::copy(pki.join("password"), tmp.path().join("other/password")).unwrap();
    let other = tmp.path().join("other.mobileconfig");
    build("other/signature.p12", "other/password", &other);
    let o = run(pbkit().args(["profile", "diff"]).arg(&a).arg(&other));
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains(
            "  changed com.apple.security.pkcs12 mil.example.smime.exchange.signing\n    \
             PayloadContent: certificate "
        ),
        "{text}"
    );

    // A file that is no profile is named, alone.
    let junk = tmp.path().join("junk.mobileconfig");
    std::fs::write(&junk, "not a plist").unwrap();
    let o = run(pbkit().args(["profile", "diff"]).arg(&a).arg(&junk));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!("pbkit: {}: ", junk.display())) && !err.contains("a.mobileconfig"),
        "{err}"
    );
}

/// The device identity an encrypted profile goes to in these tests: the generated MDM
/// server's RSA key and certificate.
fn device(pki: &Path) -> (PathBuf, PathBuf) {
    (
        pki.join("server/mdm-server.key.pem"),
        pki.join("server/mdm-server.pem"),
    )
}

/// `profile decrypt IN --key --cert --out OUT`.
fn decrypt(input: &Path, key: &Path, cert: &Path, out: &Path) -> std::process::Output {
    run(pbkit()
        .args(["profile", "decrypt"])
        .arg(input)
        .arg("--key")
        .arg(key)
        .arg("--cert")
        .arg(cert)
        .arg("--out")
        .arg(out))
}

/// Encrypted, then signed: the signature verifies, inspect and lint show the envelope
/// (cipher, recipient) without the key, and decrypt gives back the very payloads.
#[test]
fn encrypt_sign_inspect_lint_and_decrypt_round_trip() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain.mobileconfig");
    build("mail-smime", &plain, &[]);
    let (key, cert) = device(pki);
    let encrypted = tmp.path().join("encrypted.mobileconfig");
    let out = ok(pbkit()
        .args(["profile", "encrypt"])
        .arg(&plain)
        .arg("--to")
        .arg(&cert)
        .args(signer_args(pki))
        .arg("--out")
        .arg(&encrypted));
    assert!(
        out.contains("payloads encrypted (AES-256-CBC) to C=US, O=pbkit Test PKI"),
        "{out}"
    );
    assert!(out.contains(", signed by "), "{out}");
    let anchor = pki.join("trust/anchor.pem");
    let verified = ok(pbkit()
        .args(["profile", "verify"])
        .arg(&encrypted)
        .arg("--anchor")
        .arg(&anchor));
    assert!(verified.contains("Verified"), "{verified}");

    let inspected: serde_json::Value = serde_json::from_str(&ok(pbkit()
        .args(["profile", "inspect", "--json"])
        .arg(&encrypted)))
    .unwrap();
    assert_eq!(inspected["payloads"], serde_json::json!([]));
    assert_eq!(inspected["encryption"]["cipher"], "AES-256-CBC");
    let recipient = &inspected["encryption"]["recipients"][0];
    assert_eq!(recipient["method"], "RSA key transport");
    let facts: serde_json::Value =
        serde_json::from_str(&ok(pbkit().args(["cert", "show", "--json"]).arg(&cert))).unwrap();
    assert_eq!(recipient["issuer"], facts[0]["facts"]["issuer"]);
    assert_eq!(recipient["serial"], facts[0]["facts"]["serial"]);
    // The text names the recipient's certificate, and its issuer as the issuer (issue 26,
    // item 8: it read as if the issuing CA were the recipient).
    let text = ok(pbkit().args(["profile", "inspect"]).arg(&encrypted));
    let said = format!(
        "    the certificate with serial {} issued by {} (RSA key transport)",
        facts[0]["facts"]["serial"].as_str().unwrap(),
        facts[0]["facts"]["issuer"].as_str().unwrap()
    );
    assert!(text.lines().any(|l| l == said), "{said}\n{text}");

    let (code, findings) = lint_json(&[&encrypted], &[]);
    assert_eq!(code, 0, "{findings:?}");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["check"], "encryption", "{findings:?}");
    assert_eq!(findings[0]["severity"], "note", "{findings:?}");

    let decrypted = tmp.path().join("decrypted.mobileconfig");
    let o = decrypt(&encrypted, &key, &cert, &decrypted);
    assert!(o.status.success(), "{}", stderr(&o));
    let diff = ok(pbkit()
        .args(["profile", "diff"])
        .arg(&plain)
        .arg(&decrypted));
    assert!(diff.contains("same: 0 real changes, 0 UUID-only"), "{diff}");
}

/// What cannot be decrypted gets one line naming why, exit 1, and no output file: a
/// certificate that is not a recipient, a key that is not the recipient's, an envelope
/// altered (its IV, so that the first block decrypts wrong) or cut short.
#[test]
fn decrypt_failures_name_the_reason() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let plain = dir.join("plain.mobileconfig");
    build("purebred-exchange", &plain, &[]);
    let (key, cert) = device(pki);
    let encrypted = dir.join("encrypted.mobileconfig");
    ok(pbkit()
        .args(["profile", "encrypt"])
        .arg(&plain)
        .arg("--to")
        .arg(&cert)
        .arg("--out")
        .arg(&encrypted));
    let out = dir.join("out.mobileconfig");
    let expired = (
        pki.join("server/mdm-server-expired.key.pem"),
        pki.join("server/mdm-server-expired.pem"),
    );
    let altered = |name: &str, edit: &str| {
        let path = dir.join(name);
        ok(Command::new("python3")
            .arg("-c")
            .arg(format!(
                "import plistlib,sys\n\
                 p=plistlib.load(open(sys.argv[1],'rb')); e=bytearray(p['EncryptedPayloadContent'])\n\
                 {edit}\n\
                 p['EncryptedPayloadContent']=bytes(e); plistlib.dump(p, open(sys.argv[2],'wb'))"
            ))
            .arg(&encrypted)
            .arg(&path));
        path
    };
    // The AES-256-CBC OID, then OCTET STRING (16): the IV; its first byte flipped.
    let iv = altered(
        "iv.mobileconfig",
        "i=e.index(bytes.fromhex('060960864801650304012a0410'))+13; e[i]^=1",
    );
    let short = altered("short.mobileconfig", "e=e[:len(e)//2]");
    let cases: [(&Path, &Path, &Path, &str); 4] = [
        (
            &encrypted,
            &expired.0,
            &expired.1,
            "is not a recipient (the profile is encrypted to: ",
        ),
        (
            &encrypted,
            &expired.0,
            &cert,
            "cannot decrypt: the key does not match the recipient",
        ),
        (&iv, &key, &cert, "the decrypted content is not a plist"),
        (&short, &key, &cert, "EncryptedPayloadContent: "),
    ];
    for (input, key, cert, message) in cases {
        let o = decrypt(input, key, cert, &out);
        assert_eq!(o.status.code(), Some(1), "{}", input.display());
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(message), "{}: {err}", input.display());
        assert!(!out.exists());
    }
    // Encrypting twice, or a signed profile, is refused.
    let o = run(pbkit()
        .args(["profile", "encrypt"])
        .arg(&encrypted)
        .arg("--to")
        .arg(&cert)
        .arg("--out")
        .arg(&out));
    assert!(stderr(&o).contains("already encrypted"), "{}", stderr(&o));
    let signed = signed_dod_trust(dir);
    let o = run(pbkit()
        .args(["profile", "encrypt"])
        .arg(&signed)
        .arg("--to")
        .arg(&cert)
        .arg("--out")
        .arg(&out));
    assert!(
        stderr(&o).contains(
            "already signed (unsign it first: a profile is signed once, after encrypting)"
        ),
        "{}",
        stderr(&o)
    );
}
