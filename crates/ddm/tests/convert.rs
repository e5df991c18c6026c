//! `convert` and `write` as a library: Purebred-style identities become identity assets
//! the account's SMIME settings reference, a rebuild keeps what did not change, and a
//! profile that cannot be declared fails with the variant that says why.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use std::path::Path;

use pbkit_ddm::{convert, Error, Options};
use pbkit_pkcs12::{PasswordSource, Suite};
use pbkit_profile::{Exchange, LintOptions, Pkcs12, Profile, Severity, Smime};

const IDS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../profiles/test-identities"
);

/// An Exchange account with the shipped signing and encryption identities, Purebred-style.
fn purebred_profile() -> Profile {
    let ids = Path::new(IDS);
    let password = PasswordSource::File(ids.join("password")).read().unwrap();
    let identity = |file: &str| {
        Pkcs12::from_der(std::fs::read(ids.join(file)).unwrap()).with_password(&password)
    };
    let mut b = Profile::builder("mil.test.ddm");
    let signing = b
        .add_identity("signing", identity("signature.p12"))
        .unwrap();
    let encryption = b
        .add_identity("encryption", identity("encryption.p12"))
        .unwrap();
    b.add(
        "exchange",
        Exchange::new("test.user1@pbkit.test", "mail.test.mil")
            .with_smime(&Smime::purebred(&signing, &encryption)),
    )
    .unwrap();
    b.build()
}

fn options(base: &str) -> Options {
    Options {
        asset_base_url: base.into(),
        suite: Suite::IosLegacy,
        predicate: None,
        previous: Default::default(),
    }
}

const BASE: &str = "https://mdm.test.mil/ddm/assets/";

#[test]
fn identities_become_the_assets_the_accounts_smime_settings_reference() {
    let set = convert(&purebred_profile(), &options(BASE)).unwrap();
    let of_kind =
        |kind: &str| -> Vec<_> { set.declarations.iter().filter(|d| d.kind == kind).collect() };
    let identities = of_kind("com.apple.asset.credential.identity");
    assert_eq!(identities.len(), 2, "{:#?}", set.declarations);
    let [exchange] = of_kind("com.apple.configuration.account.exchange")[..] else {
        panic!("one Exchange account: {:#?}", set.declarations)
    };
    let smime = &exchange.payload["SMIME"];
    for (part, name) in [("Signing", "signing"), ("Encryption", "encryption")] {
        let reference = smime[part]["IdentityAssetReference"].as_str().unwrap();
        let asset = identities
            .iter()
            .find(|d| d.identifier == reference)
            .unwrap_or_else(|| panic!("{part} names {reference}, no identity asset"));
        assert!(asset.identifier.contains(name), "{}", asset.identifier);
        // Each identity's data is served from the asset base.
        let url = asset.payload["Reference"]["DataURL"].as_str().unwrap();
        assert!(url.starts_with(BASE), "{url}");
    }
    // The activation names every configuration.
    let [activation] = of_kind("com.apple.activation.simple")[..] else {
        panic!("one activation")
    };
    let standard = activation.payload["StandardConfigurations"]
        .as_array()
        .unwrap();
    assert!(standard.iter().any(|c| c == exchange.identifier.as_str()));
    assert_eq!(set.identities.len(), 2);
}

#[test]
fn a_written_set_lints_clean_and_a_rebuild_keeps_its_identity_assets() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ddm");
    let profile = purebred_profile();
    let first = pbkit_ddm::write(&convert(&profile, &options(BASE)).unwrap(), &out, false).unwrap();

    let files = pbkit_ddm::lint::files(std::slice::from_ref(&out)).unwrap();
    let linted = pbkit_ddm::lint::lint(
        &files,
        &LintOptions {
            min_ios: "17.0".into(),
            ..LintOptions::default()
        },
    );
    let errors: Vec<_> = linted
        .iter()
        .flat_map(|l| &l.findings)
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // Same certificates, same suite: the same asset files (same password, same bytes),
    // so devices fetch nothing again.
    let again = Options {
        previous: pbkit_ddm::output::previous(&out).unwrap(),
        ..options(BASE)
    };
    let second = pbkit_ddm::write(&convert(&profile, &again).unwrap(), &out, true).unwrap();
    let shas = |m: &pbkit_ddm::Manifest| -> Vec<String> {
        m.assets.iter().map(|a| a.sha256.clone()).collect()
    };
    assert_eq!(shas(&first), shas(&second));
}

#[test]
fn what_cannot_be_declared_fails_with_its_variant() {
    // An asset base that is not https, carries a user name or a query.
    for base in [
        "http://mdm.test.mil/ddm/",
        "https://admin@mdm.test.mil/ddm/",
        "https://mdm.test.mil/ddm/?x=1",
    ] {
        assert!(
            matches!(
                convert(&purebred_profile(), &options(base)),
                Err(Error::AssetUrl { .. })
            ),
            "{base}"
        );
    }
    // A base without its last slash is a folder all the same.
    let set = convert(&purebred_profile(), &options("https://mdm.test.mil/ddm")).unwrap();
    assert_eq!(set.asset_base_url, "https://mdm.test.mil/ddm/");
    // A reference to no payload of the profile.
    let mut b = Profile::builder("mil.test.dangling");
    let mut exchange = Exchange::new("a@test.mil", "mail.test.mil");
    exchange.smime_signing_certificate_uuid = Some("00000000-0000-4000-8000-000000000000".into());
    b.add("exchange", exchange).unwrap();
    assert!(matches!(
        convert(&b.build(), &options(BASE)),
        Err(Error::Dangling { .. })
    ));
    // Nothing to declare.
    let empty = Profile::builder("mil.test.empty").build();
    assert!(matches!(convert(&empty, &options(BASE)), Err(Error::Empty)));
}

/// A Mail account read from a profile (not built by pbkit): its S/MIME keys come through
/// the typed model, the deprecated and unknown keys are reported with their reasons, and
/// nothing that was mapped is reported.
#[test]
fn a_mail_account_maps_its_smime_keys_and_reports_the_rest() {
    use plist::{Dictionary, Value};
    let dict = |pairs: &[(&str, Value)]| -> Dictionary {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    };
    let s = |v: &str| Value::String(v.into());
    let mail = dict(&[
        ("PayloadType", s("com.apple.mail.managed")),
        ("PayloadVersion", Value::Integer(1.into())),
        ("PayloadIdentifier", s("mil.test.mail")),
        ("PayloadUUID", s("5C7A0D1E-2B3F-4C5D-8E9F-0A1B2C3D4E5F")),
        ("PayloadDisplayName", s("Mail")),
        ("EmailAccountDescription", s("Work mail")),
        ("EmailAccountType", s("EmailTypeIMAP")),
        ("EmailAddress", s("test.user1@pbkit.test")),
        ("IncomingMailServerHostName", s("imap.test.mil")),
        ("IncomingMailServerPortNumber", Value::Integer(993.into())),
        ("IncomingMailServerAuthentication", s("EmailAuthPassword")),
        ("OutgoingMailServerHostName", s("smtp.test.mil")),
        ("OutgoingMailServerAuthentication", s("EmailAuthPassword")),
        ("SMIMESigningEnabled", Value::Boolean(true)),
        ("SMIMESigningUserOverrideable", Value::Boolean(true)),
        ("SMIMEEncryptByDefault", Value::Boolean(false)),
        (
            "SMIMEEnableEncryptionPerMessageSwitch",
            Value::Boolean(true),
        ),
        ("SMIMEEnabled", Value::Boolean(true)),
        ("PreventMove", Value::Boolean(true)),
    ]);
    let profile = Profile::from_dictionary(dict(&[
        ("PayloadType", s("Configuration")),
        ("PayloadVersion", Value::Integer(1.into())),
        ("PayloadIdentifier", s("mil.test")),
        ("PayloadUUID", s("0F1E2D3C-4B5A-4968-8776-655443322110")),
        (
            "PayloadContent",
            Value::Array(vec![Value::Dictionary(mail)]),
        ),
    ]))
    .unwrap();
    let set = convert(&profile, &options(BASE)).unwrap();
    let account = set
        .declarations
        .iter()
        .find(|d| d.kind == "com.apple.configuration.account.mail")
        .unwrap();
    let payload = serde_json::to_value(&account.payload).unwrap();
    assert_eq!(
        payload["SMIME"],
        serde_json::json!({
            "Signing": {"Enabled": true, "UserOverrideable": true},
            "Encryption": {"Enabled": false, "PerMessageSwitchEnabled": true},
        })
    );
    assert_eq!(payload["IncomingServer"]["Port"], 993);
    assert_eq!(payload["IncomingServer"]["ServerType"], "IMAP");
    let unmapped: Vec<(&str, &str)> = set
        .unmapped
        .iter()
        .map(|u| (u.key.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(
        unmapped,
        // In the payload's schema order.
        [
            ("PreventMove", "no declarative equivalent"),
            (
                "SMIMEEnabled",
                "deprecated (ignored since iOS 10): use SMIMESigningEnabled"
            ),
        ]
    );
}
