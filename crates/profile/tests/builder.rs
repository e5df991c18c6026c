//! The typed API builds what the TOML spec builds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use pbkit_profile::{BuildContext, Spec};

#[allow(dead_code)]
#[path = "../examples/purebred_exchange.rs"]
mod example;

const PROFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../profiles");

#[test]
fn the_purebred_exchange_example_equals_the_shipped_spec_byte_for_byte() {
    let path = std::path::Path::new(PROFILES).join("purebred-exchange.toml");
    let spec = Spec::read(&path).unwrap();
    let built = spec.build("spec", &BuildContext::default()).unwrap();
    let typed = example::purebred_exchange("mail.example.mil").unwrap();
    assert_eq!(
        String::from_utf8(typed.to_xml()).unwrap(),
        String::from_utf8(built.to_xml()).unwrap()
    );
}

#[test]
fn a_written_profile_ends_with_one_newline() {
    let xml = example::purebred_exchange("mail.example.mil")
        .unwrap()
        .to_xml();
    assert!(xml.ends_with(b"</plist>\n"), "{:?}", &xml[xml.len() - 12..]);
}
