//! What pbkit-jamf decides without a server: scope targets, how a local profile is read,
//! which failures a retry may get past, and the words of its reports. (Requests against a
//! server are tested through the binary and the test Jamf server in tests/jamf.rs.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use pbkit_jamf::folder::{report_csv, UserOutcome};
use pbkit_jamf::{Action, BadTarget, Error, LocalProfile, PushReport, Scope, Target};
use pbkit_profile::{Exchange, Profile};

#[test]
fn scope_targets_parse_and_name_themselves() {
    let mut scope = Scope::default();
    for t in [
        "all-devices",
        "device:7",
        "group:Purebred",
        "user:alice",
        "user-group:Staff",
    ] {
        scope.add(t.parse::<Target>().unwrap());
    }
    assert_eq!(
        scope.to_string(),
        r#"all devices, device 7, group "Purebred", user "alice", user group "Staff""#
    );
    assert_eq!(Scope::default().to_string(), "nobody");
    assert!(matches!(
        "device:abc".parse::<Target>(),
        Err(BadTarget::NotAnId(id)) if id == "abc"
    ));
    assert!(matches!(
        "group:".parse::<Target>(),
        Err(BadTarget::Missing { what: "NAME", .. })
    ));
    assert!(matches!(
        "usr:alice".parse::<Target>(),
        Err(BadTarget::Unknown(t)) if t == "usr:alice"
    ));
}

#[test]
fn a_local_profile_is_named_by_its_display_name_and_garbage_is_its_files_error() {
    let mut b = Profile::builder("mil.test.jamf").display_name("Exchange S/MIME");
    b.add("exchange", Exchange::new("a@test.mil", "mail.test.mil"))
        .unwrap();
    let xml = b.build().to_bounded_xml().unwrap();
    let local = LocalProfile::read(&xml, "a.mobileconfig").unwrap();
    assert_eq!(local.default_name(), "Exchange S/MIME");
    assert!(!local.was_signed);
    assert!(matches!(
        LocalProfile::read(b"not a profile", "bad.mobileconfig"),
        Err(Error::Profile { origin, .. }) if origin == "bad.mobileconfig"
    ));
}

#[test]
fn only_the_server_or_the_network_is_worth_a_retry() {
    let status = |status| Error::Status {
        method: "POST",
        url: "https://jamf.test/x".into(),
        status,
        detail: String::new(),
    };
    assert!(status(500).is_transient());
    assert!(status(503).is_transient());
    assert!(status(429).is_transient());
    assert!(!status(400).is_transient());
    assert!(!status(409).is_transient());
    assert!(!Error::NotFound("12".into()).is_transient());
}

fn report(action: Action) -> PushReport {
    PushReport {
        file: "out/alice.mobileconfig".into(),
        name: "Exchange S/MIME (alice)".into(),
        id: Some(4),
        action,
        matched_by: None,
        unsigned: true,
        kept_uuid: None,
        kept_identifier: None,
        scope: Scope::default(),
        settings: Vec::new(),
        diff: None,
        repacked_only: false,
    }
}

#[test]
fn reports_say_pbkits_status_words() {
    assert_eq!(Action::Created.status(), "ok");
    assert_eq!(Action::Unchanged.status(), "ok");
    assert_eq!(Action::WouldCreate.status(), "would-create");
    assert_eq!(Action::WouldUpdate.status(), "would-update");
    assert_eq!(
        report(Action::Created).to_string(),
        "created \"Exchange S/MIME (alice)\" (id 4): out/alice.mobileconfig\n  scope: nobody\n"
    );

    let outcomes = [
        UserOutcome::Pushed {
            username: "alice".into(),
            report: Box::new(report(Action::Updated)),
        },
        UserOutcome::Skipped {
            username: "bob".into(),
            id: 5,
        },
        UserOutcome::Failed {
            username: "carol".into(),
            file: "out/carol.mobileconfig".into(),
            reason: "HTTP 409: conflict".into(),
        },
    ];
    let csv = String::from_utf8(report_csv(&outcomes).unwrap()).unwrap();
    assert_eq!(
        csv,
        "username,status,action,id,name,reason\n\
         alice,ok,updated,4,Exchange S/MIME (alice),\n\
         bob,skipped,,5,,already pushed (journal)\n\
         carol,failed,,,,HTTP 409: conflict\n"
    );
}
