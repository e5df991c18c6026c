//! The scaffold lints clean, each seeded mismatch fails its check, and Purebred's own
//! CtkProvider sample shows the class-id mismatch its README asks to fix by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use std::path::{Path, PathBuf};

use pbkit_profile::{Report, Severity};
use pbkit_token::app::{lint, AppFiles, AppIds, ScaffoldFile};
use pbkit_token::Error;
use plist::Value;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/ctk-provider"
);

fn ids() -> AppIds {
    AppIds::new("ABCDE12345", "mil.example.provider")
        .unwrap()
        .consumer("mil.example.mailer")
        .unwrap()
}

fn write(dir: &Path, files: &[ScaffoldFile]) {
    for f in files {
        std::fs::write(dir.join(f.name), pbkit_profile::model::xml(&f.value)).unwrap();
    }
}

fn app_files(dir: &Path) -> AppFiles {
    AppFiles {
        provider_entitlements: Some(dir.join("provider.entitlements")),
        extension_entitlements: Some(dir.join("token-extension.entitlements")),
        extension_info_plist: Some(dir.join("token-extension-Info.plist")),
        consumer_entitlements: Some(dir.join("consumer.entitlements")),
        extension_id: Some("mil.example.provider.token".into()),
    }
}

fn checks(report: &Report, severity: Severity) -> Vec<&'static str> {
    report
        .findings
        .iter()
        .filter(|f| f.finding.severity == severity)
        .map(|f| f.finding.check)
        .collect()
}

#[test]
fn the_scaffold_is_consistent_and_lints_clean() {
    let files = ids().scaffold();
    let names: Vec<&str> = files.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "provider.entitlements",
            "token-extension.entitlements",
            "token-extension-Info.plist",
            "consumer.entitlements"
        ]
    );
    let info = files[2].value.as_dictionary().unwrap()["NSExtension"]
        .as_dictionary()
        .unwrap();
    assert_eq!(
        info["NSExtensionPointIdentifier"],
        Value::from("com.apple.ctk-tokens")
    );
    assert_eq!(
        info["NSExtensionAttributes"].as_dictionary().unwrap()["com.apple.ctk.class-id"],
        Value::from("mil.example.provider.token")
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &files);
    let report = lint(&app_files(dir.path()));
    assert_eq!(report.files, 4);
    assert!(report.findings.is_empty(), "{report}");
}

/// Each mismatch of the issue, seeded into a clean scaffold, fails its own check.
#[test]
fn each_seeded_mismatch_fails_its_check() {
    let seeds: [(&str, &str, &str, Severity, &str); 6] = [
        (
            "token-extension-Info.plist",
            "com.apple.ctk-tokens",
            "com.apple.fileprovider-nonui",
            Severity::Error,
            "extension-point",
        ),
        (
            "token-extension-Info.plist",
            "<string>mil.example.provider.token</string>",
            "<string>mil.example.CtkProviderToken</string>",
            Severity::Error,
            "class-id",
        ),
        (
            "token-extension-Info.plist",
            "<key>com.apple.ctk.driver-class</key>",
            "<key>driver-class</key>",
            Severity::Error,
            "driver-class",
        ),
        (
            "token-extension.entitlements",
            "ABCDE12345.mil.example.provider",
            "ABCDE12345.mil.example.other",
            Severity::Error,
            "access-group",
        ),
        (
            "consumer.entitlements",
            "<string>com.apple.token</string>",
            "",
            Severity::Error,
            "token-group",
        ),
        (
            "consumer.entitlements",
            "<string>ABCDE12345.mil.example.mailer</string>",
            "",
            Severity::Warning,
            "token-group",
        ),
    ];
    for (file, from, to, severity, check) in seeds {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &ids().scaffold());
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
        let report = lint(&app_files(dir.path()));
        assert_eq!(
            checks(&report, severity),
            [check],
            "{file}: {from} -> {to}\n{report}"
        );
    }
}

#[test]
fn purebreds_sample_has_the_class_id_mismatch_its_readme_warns_of() {
    let file = |name: &str| Some(PathBuf::from(SAMPLE).join(name));
    let files = AppFiles {
        provider_entitlements: file("CtkProvider-CtkProvider.entitlements"),
        extension_entitlements: file("CtkProviderToken-CtkProviderToken.entitlements"),
        extension_info_plist: file("CtkProviderToken-Info.plist"),
        consumer_entitlements: None,
        // The project's PRODUCT_BUNDLE_IDENTIFIER for the extension target.
        extension_id: Some("red.hound.enterprise.CtkProvider.CtkProvider.CtkProviderToken".into()),
    };
    let report = lint(&files);
    assert_eq!(checks(&report, Severity::Error), ["class-id"], "{report}");
    assert!(report
        .to_string()
        .contains("red.hound.CtkProvider.CtkProvider.CtkProviderToken"));
    // Without the bundle identifier (the plist says $(PRODUCT_BUNDLE_IDENTIFIER)) the
    // class-id cannot be judged: a note, no error.
    let report = lint(&AppFiles {
        extension_id: None,
        ..files
    });
    assert_eq!(
        checks(&report, Severity::Error),
        Vec::<&str>::new(),
        "{report}"
    );
    assert_eq!(checks(&report, Severity::Note), ["class-id"]);
}

#[test]
fn ids_are_checked_and_unreadable_files_are_their_own_errors() {
    assert!(matches!(
        AppIds::new("abcde12345", "mil.example.p"),
        Err(Error::TeamPrefix(_))
    ));
    assert!(matches!(
        AppIds::new("ABCDE12345", "mil..p"),
        Err(Error::BundleId(b)) if b == "mil..p"
    ));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.entitlements"), "not a plist").unwrap();
    let report = lint(&AppFiles {
        consumer_entitlements: Some(dir.path().join("bad.entitlements")),
        provider_entitlements: Some(dir.path().join("missing.entitlements")),
        ..AppFiles::default()
    });
    assert_eq!(
        checks(&report, Severity::Error),
        ["read", "read"],
        "{report}"
    );
}
