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
