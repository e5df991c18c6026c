//! `pbkit ddm`: declarations checked by an independent reader of Apple's YAML schema
//! (tests/ddm/check.py), identity assets opened by OpenSSL, Python `cryptography` and
//! keytool, ServerTokens that change exactly with content.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const BASE: &str = "https://mdm.example.mil/ddm/assets/";

/// `pbkit ddm build profiles/SPEC.toml --out OUT --asset-base-url BASE EXTRA`.
fn ddm_build(spec: &str, out: &Path, extra: &[&str]) -> String {
    ok(pbkit()
        .args(["ddm", "build"])
        .arg(root().join("profiles").join(format!("{spec}.toml")))
        .arg("--out")
        .arg(out)
        .args(["--asset-base-url", BASE])
        .args(extra))
}

/// tests/ddm/check.py over OUT: its output and whether it passed.
fn schema_check(out: &Path) -> (bool, String) {
    let o = run(Command::new("python3")
        .arg(root().join("tests/ddm/check.py"))
        .arg(root().join("crates/ddm/schema"))
        .arg(out));
    (o.status.success(), stdout(&o) + &stderr(&o))
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

fn tokens(out: &Path) -> Vec<(String, String)> {
    manifest(out)["declarations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["identifier"].as_str().unwrap().to_string(),
                d["server_token"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every spec in profiles/ builds to declarations that Apple's schema, read by another
/// program, accepts: keys, types, allowed values, asset references and their types, data
/// sizes and hashes, activation. The checker is not vacuous: an unknown key, a wrong type
/// and an altered asset file are each found.
#[test]
fn every_shipped_spec_builds_declarations_apples_schema_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let specs = [
        ("purebred-exchange", 4),
        ("exchange-smime-identities", 6),
        ("mail-smime", 6),
        ("dod-trust", 15),
    ];
    for (spec, count) in specs {
        let out = tmp.path().join(spec);
        ddm_build(spec, &out, &[]);
        let (passed, said) = schema_check(&out);
        assert!(passed, "{spec}: {said}");
        assert!(
            said.starts_with(&format!("ok: {count} declarations")),
            "{spec}: {said}"
        );
    }
    let out = tmp.path().join("exchange-smime-identities");
    let exchange = out.join("declarations/mil.example.smime.exchange.exchange.json");
    let original = std::fs::read_to_string(&exchange).unwrap();
    for (edit, found) in [
        (
            ("\"HostName\"", "\"Hostname\""),
            "Hostname is not in Apple's schema",
        ),
        (
            ("\"Enabled\": true", "\"Enabled\": 1"),
            "1 is not <boolean>",
        ),
    ] {
        std::fs::write(&exchange, original.replace(edit.0, edit.1)).unwrap();
        let (passed, said) = schema_check(&out);
        assert!(!passed && said.contains(found), "{said}");
    }
    std::fs::write(&exchange, &original).unwrap();
    let asset = out.join("assets/mil.example.smime.exchange.signing.json");
    let mut bytes = std::fs::read(&asset).unwrap();
    bytes.push(b'\n');
    std::fs::write(&asset, bytes).unwrap();
    let (passed, said) = schema_check(&out);
    assert!(
        !passed && said.contains("Hash-SHA-256 is not the file's"),
        "{said}"
    );
}

/// The S/MIME settings are the DISA procedure's, key by key, and the identities are the
/// assets the accounts reference.
#[test]
fn smime_settings_map_key_by_key() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ddm_build("mail-smime", &out, &[]);
    let mail: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("declarations/mil.example.smime.imap.imap.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(mail["Type"], "com.apple.configuration.account.mail");
    let smime = &mail["Payload"]["SMIME"];
    assert_eq!(
        smime,
        &serde_json::json!({
            "Signing": {
                "Enabled": true,
                "IdentityAssetReference": "mil.example.smime.imap.signing",
                "UserOverrideable": true,
                "IdentityUserOverrideable": true
            },
            "Encryption": {
                "Enabled": false,
                "IdentityAssetReference": "mil.example.smime.imap.encryption",
                "UserOverrideable": true,
                "IdentityUserOverrideable": true,
                "PerMessageSwitchEnabled": true
            }
        })
    );
    let incoming = &mail["Payload"]["IncomingServer"];
    assert_eq!(incoming["ServerType"], "IMAP");
    assert_eq!(incoming["AuthenticationMethod"], "Password");
    assert_eq!(incoming["Port"], 993);
    // One credential for both servers: same user, password the same as incoming.
    assert_eq!(
        incoming["AuthenticationCredentialsAssetReference"],
        mail["Payload"]["OutgoingServer"]["AuthenticationCredentialsAssetReference"]
    );
}

/// Each identity asset's document holds a PKCS#12 in the spec's suite under a fresh
/// password; OpenSSL, Python `cryptography` and keytool open it with that password and
/// find the identity's certificate (the manifest's SHA-256), the leaf alone.
#[test]
fn identity_assets_open_in_openssl_python_and_keytool() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ddm_build("exchange-smime-identities", &out, &[]);
    let m = manifest(&out);
    let identities = m["identities"].as_array().unwrap();
    assert_eq!(identities.len(), 2);
    let mut passwords = Vec::new();
    for id in identities {
        let asset = id["asset"].as_str().unwrap();
        assert_eq!(id["suite"], "ios-legacy");
        let doc: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out.join(format!("assets/{asset}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(doc["Type"], "com.apple.credential.identity");
        let password = doc["Password"].as_str().unwrap().to_string();
        assert_eq!(password.len(), 32);
        let p12 = tmp.path().join(format!("{asset}.p12"));
        std::fs::write(&p12, base64_decode(doc["Identity"].as_str().unwrap())).unwrap();
        let pw_file = tmp.path().join(format!("{asset}.pw"));
        std::fs::write(&pw_file, &password).unwrap();
        let certs = ok(Command::new("openssl")
            .args(["pkcs12", "-legacy", "-nokeys", "-in"])
            .arg(&p12)
            .arg("-passin")
            .arg(format!("file:{}", pw_file.display())));
        assert_eq!(
            certs.matches("BEGIN CERTIFICATE").count(),
            1,
            "the leaf alone"
        );
        let sha = ok(Command::new("python3")
            .arg("-c")
            .arg(
                "import sys\n\
                 from cryptography.hazmat.primitives.serialization import pkcs12\n\
                 from cryptography.hazmat.primitives import hashes\n\
                 key, cert, more = pkcs12.load_key_and_certificates(open(sys.argv[1],'rb').read(), sys.argv[2].encode())\n\
                 assert key is not None and not more\n\
                 print(cert.fingerprint(hashes.SHA256()).hex().upper())",
            )
            .arg(&p12)
            .arg(&password));
        assert_eq!(sha.trim(), id["certificate_sha256"].as_str().unwrap());
        let listed = ok(Command::new("keytool")
            .args(["-list", "-storetype", "PKCS12", "-keystore"])
            .arg(&p12)
            .arg("-storepass")
            .arg(&password));
        assert!(listed.contains("PrivateKeyEntry"), "{listed}");
        passwords.push(password);
    }
    assert_ne!(passwords[0], passwords[1], "a fresh password per asset");
    // The asset files hold keys and passwords: owner-only.
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode(out.join("assets/mil.example.smime.exchange.signing.json")),
        0o600
    );
    assert_eq!(mode(out.clone()), 0o700);
}

fn base64_decode(s: &str) -> Vec<u8> {
    let o = run(Command::new("python3")
        .arg("-c")
        .arg("import base64,sys; sys.stdout.buffer.write(base64.b64decode(sys.argv[1]))")
        .arg(s));
    o.stdout
}

/// A rebuild with no change keeps every ServerToken (the identity assets are reused);
/// a changed host changes exactly the Exchange declaration's token.
#[test]
fn server_tokens_change_exactly_with_content() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ddm_build("exchange-smime-identities", &out, &[]);
    let first = tokens(&out);
    ddm_build("exchange-smime-identities", &out, &[]);
    assert_eq!(tokens(&out), first);
    ddm_build(
        "exchange-smime-identities",
        &out,
        &["--var", "host=owa.example.mil"],
    );
    let changed: Vec<_> = tokens(&out)
        .into_iter()
        .zip(&first)
        .filter(|(now, then)| now != *then)
        .map(|(now, _)| now.0)
        .collect();
    assert_eq!(changed, ["mil.example.smime.exchange.exchange"]);
    // Another suite: new identity assets (and only those, and what names them by hash).
    ddm_build("exchange-smime-identities", &out, &["--suite", "purebred"]);
    let m = manifest(&out);
    assert!(m["identities"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["suite"] == "purebred"));
}

/// convert: an existing profile gives the same account and activation declarations as
/// building its spec; keys with no declarative form are named on standard error; a
/// PKCS#12 payload without its password, and an asset URL that is not https, are refused.
#[test]
fn convert_matches_build_and_reports_what_it_cannot_map() {
    let tmp = tempfile::tempdir().unwrap();
    let built = tmp.path().join("built");
    ddm_build("exchange-smime-identities", &built, &[]);
    let profile = tmp.path().join("p.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/exchange-smime-identities.toml"))
        .arg("--out")
        .arg(&profile));
    let converted = tmp.path().join("converted");
    let o = run(pbkit()
        .args(["ddm", "convert"])
        .arg(&profile)
        .arg("--out")
        .arg(&converted)
        .args(["--asset-base-url", BASE]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "pbkit: note: mil.example.smime.exchange.exchange: SSL not converted: no \
             declarative equivalent"
        ),
        "{}",
        stderr(&o)
    );
    for name in [
        "mil.example.smime.exchange.exchange.json",
        "mil.example.smime.exchange.activation.json",
    ] {
        let read =
            |dir: &Path| std::fs::read_to_string(dir.join("declarations").join(name)).unwrap();
        assert_eq!(read(&built), read(&converted), "{name}");
    }
    let (passed, said) = schema_check(&converted);
    assert!(passed, "{said}");

    let no_password = tmp.path().join("np.mobileconfig");
    ok(Command::new("python3")
        .arg("-c")
        .arg(
            "import plistlib,sys\n\
             p=plistlib.load(open(sys.argv[1],'rb'))\n\
             del p['PayloadContent'][0]['Password']\n\
             plistlib.dump(p, open(sys.argv[2],'wb'))",
        )
        .arg(&profile)
        .arg(&no_password));
    let o = run(pbkit()
        .args(["ddm", "convert"])
        .arg(&no_password)
        .arg("--out")
        .arg(tmp.path().join("x"))
        .args(["--asset-base-url", BASE]));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no Password in the payload"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("x").exists());
    let o = run(pbkit()
        .args(["ddm", "convert"])
        .arg(&profile)
        .arg("--out")
        .arg(tmp.path().join("x"))
        .args(["--asset-base-url", "http://mdm.example.mil/"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("devices fetch asset data over https only"));
}

fn lint_findings(path: &Path, extra: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let o = run(pbkit()
        .args(["ddm", "lint", "--json"])
        .args(extra)
        .arg(path));
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&o)).unwrap_or_else(|_| panic!("{}", stderr(&o)));
    (o.status.code().unwrap(), v.as_array().unwrap().clone())
}

/// `ddm lint` finds what would make a device refuse or misuse the declarations, each
/// with its check: an unknown key, a wrong type, a hash that is not the data's, an asset
/// reference to nothing and to the wrong type, an http DataURL, a configuration no
/// activation installs, swapped signing and encryption identities (the profile rule), a
/// PKCS#12 whose Password does not open it; and S/MIME below iOS 17 is a warning.
#[test]
fn ddm_lint_finds_every_kind_of_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ddm_build("exchange-smime-identities", &out, &[]);
    let (code, findings) = lint_findings(&out, &[]);
    assert_eq!((code, findings.len()), (0, 0), "{findings:#?}");
    let (code, findings) = lint_findings(&out, &["--min-ios", "15.0"]);
    assert_eq!(code, 0);
    assert!(findings
        .iter()
        .any(|f| f["location"] == "Payload.SMIME" && f["check"] == "min-ios"));

    let decl = |name: &str| {
        out.join(format!(
            "declarations/mil.example.smime.exchange.{name}.json"
        ))
    };
    let edit = |name: &str, from: &str, to: &str| {
        let path = decl(name);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{name}: {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    // Swap the identities: each is then unfit for its use.
    edit(
        "exchange",
        "\"mil.example.smime.exchange.signing\"",
        "\"SWAP\"",
    );
    edit(
        "exchange",
        "\"mil.example.smime.exchange.encryption\"",
        "\"mil.example.smime.exchange.signing\"",
    );
    edit(
        "exchange",
        "\"SWAP\"",
        "\"mil.example.smime.exchange.encryption\"",
    );
    edit("exchange", "\"HostName\"", "\"Hostname\"");
    edit("exchange", "\"EAS\"", "\"IMAP\"");
    edit(
        "exchange",
        "\"mil.example.smime.exchange.exchange.useridentity\"",
        "\"nowhere\"",
    );
    edit(
        "exchange",
        "\"mil.example.smime.exchange.exchange.credentials\"",
        "\"mil.example.smime.exchange.signing\"",
    );
    edit("signing", "https://", "http://");
    edit(
        "activation",
        "\"mil.example.smime.exchange.exchange\"",
        "\"mil.example.smime.exchange.other\"",
    );
    let asset = out.join("assets/mil.example.smime.exchange.encryption.json");
    let doc = std::fs::read_to_string(&asset).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let mut doc = doc.as_object().unwrap().clone();
    doc.insert("Password".into(), "not-the-password".into());
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    std::fs::write(&asset, &bytes).unwrap();

    let (code, findings) = lint_findings(&out, &[]);
    assert_eq!(code, 1);
    let has = |file: &str, check: &str, text: &str| {
        findings.iter().any(|f| {
            f["file"].as_str().unwrap().ends_with(file)
                && f["check"] == check
                && f["message"].as_str().unwrap().contains(text)
        })
    };
    let cases = [
        ("exchange.json", "unknown-key", "Hostname is not a key"),
        ("exchange.json", "allowed-values", "EnabledProtocolTypesItem must be one of EAS, EWS"),
        ("exchange.json", "reference", "nowhere is no declaration"),
        ("exchange.json", "reference", "is a com.apple.asset.credential.identity, not one of com.apple.asset.credential.userpassword"),
        ("exchange.json", "activation", "no activation installs mil.example.smime.exchange.exchange"),
        ("activation.json", "reference", "mil.example.smime.exchange.other is no declaration"),
        ("signing.json", "data-url", "devices fetch asset data over https only"),
        ("encryption.json", "data", "Size is"),
        ("encryption.json", "data", "the hash is not the data's"),
        ("encryption.json", "pkcs12", "does not open as one identity with its Password"),
        ("signing.json", "identity", "encrypt"),
    ];
    for (file, check, text) in cases {
        assert!(
            has(file, check, text),
            "{file} {check} {text:?} not in {findings:#?}"
        );
    }
}
