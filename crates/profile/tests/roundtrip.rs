//! Writing a profile and reading it back loses nothing: typed payloads, unknown keys and
//! unknown payload types alike.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use pbkit_profile::{Content, Exchange, Mail, Payload, Pkcs12, Profile, TopLevel};
use plist::{Dictionary, Value};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Printable, with the characters XML must escape.
    "[a-zA-Z0-9 $&<>\"'._@-]{0,24}"
}

fn leaf_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::String),
        any::<bool>().prop_map(Value::Boolean),
        any::<i32>().prop_map(|i| Value::Integer(i64::from(i).into())),
        proptest::collection::vec(any::<u8>(), 0..16).prop_map(Value::Data),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf_value().prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Dictionary(m.into_iter().collect())),
        ]
    })
}

/// Keys no schema has (prefix `x`), so they land in `extra`.
fn extra() -> impl Strategy<Value = Dictionary> {
    proptest::collection::btree_map("x[A-Za-z]{1,10}", value(), 0..3)
        .prop_map(|m| m.into_iter().collect())
}

fn exchange() -> impl Strategy<Value = Content> {
    (
        proptest::option::of(text()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(text()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(0i64..100),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 1..32)),
    )
        .prop_map(|(email, ssl, signing, overrideable, days, cert)| {
            Content::Exchange(Box::new(Exchange {
                email_address: email,
                ssl,
                smime_signing_certificate_uuid: signing,
                smime_signing_user_overrideable: overrideable,
                mail_number_of_past_days_to_sync: days,
                certificate: cert.map(plist::Data::from),
                ..Exchange::default()
            }))
        })
}

fn content() -> impl Strategy<Value = Content> {
    prop_oneof![
        exchange(),
        (
            proptest::option::of(text()),
            proptest::option::of(1i64..65535)
        )
            .prop_map(|(host, port)| {
                Content::Mail(Box::new(Mail {
                    incoming_mail_server_host_name: host,
                    incoming_mail_server_port_number: port,
                    email_account_type: Some("EmailTypeIMAP".into()),
                    ..Mail::default()
                }))
            }),
        (
            proptest::collection::vec(any::<u8>(), 1..64),
            proptest::option::of(text())
        )
            .prop_map(|(d, pw)| {
                Content::Pkcs12(Pkcs12 {
                    data: Some(d.into()),
                    password: pw,
                    ..Pkcs12::default()
                })
            }),
        "com\\.example\\.[a-z]{1,8}".prop_map(Content::Other),
    ]
}

fn payload() -> impl Strategy<Value = Payload> {
    (content(), text(), proptest::option::of(text()), extra()).prop_map(
        |(content, name, display, extra)| Payload {
            identifier: format!("mil.example.{name}"),
            uuid: uuid::Uuid::new_v4().to_string().to_uppercase(),
            version: 1,
            display_name: display,
            description: None,
            organization: None,
            content,
            extra,
        },
    )
}

fn profile() -> impl Strategy<Value = Profile> {
    (
        proptest::collection::vec(payload(), 0..5),
        proptest::option::of(text()),
        proptest::option::of(any::<bool>()),
        extra(),
    )
        .prop_map(|(payloads, display, removal, extra)| Profile {
            identifier: "mil.example.profile".into(),
            uuid: uuid::Uuid::new_v4().to_string().to_uppercase(),
            version: 1,
            top: TopLevel {
                display_name: display,
                removal_disallowed: removal,
                ..TopLevel::default()
            },
            payloads,
            extra,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn written_profiles_read_back_equal(p in profile()) {
        let xml = p.to_xml();
        let back = Profile::from_plist(&xml).unwrap();
        prop_assert_eq!(&back, &p);
        // And writing again gives the same bytes: the key order is stable.
        prop_assert_eq!(back.to_xml(), xml);
    }

    /// A plist pbkit did not write: whatever keys it has, reading and writing it gives the
    /// same plist value.
    #[test]
    fn foreign_plists_survive(p in profile(), shuffle in any::<u64>()) {
        let mut d = p.to_dictionary();
        // Reorder the top-level keys: only the value matters.
        let mut entries: Vec<_> = d.into_iter().collect();
        let n = entries.len();
        entries.rotate_left((shuffle as usize) % n.max(1));
        d = entries.into_iter().collect();
        let back = Profile::from_dictionary(d.clone()).unwrap().to_dictionary();
        prop_assert_eq!(sorted(Value::Dictionary(back)), sorted(Value::Dictionary(d)));
    }
}

/// The same plist with every dictionary's keys sorted.
fn sorted(v: Value) -> Value {
    match v {
        Value::Dictionary(d) => {
            let mut e: Vec<_> = d.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            e.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Dictionary(e.into_iter().collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}
