//! Where one rollout user's time goes: reading, re-encrypting, building, signing.
//!
//! `cargo run --release --example rollout_phases -- SIGNER.p12 USER.p12 PASSWORD_FILE SPEC.toml`

use std::collections::BTreeMap;
use std::time::Instant;

use pbkit_pkcs12::{write_legacy, Identity, Password, RawIdentity, Suite};
use pbkit_profile::{sign, BuildContext, Spec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let pw = Password::new(std::fs::read_to_string(&a[2])?.trim_end());
    let signer = Identity::from_pkcs12(&std::fs::read(&a[0])?, &pw)?;
    let user = std::fs::read(&a[1])?;
    let spec = Spec::read(std::path::Path::new(&a[3]))?;
    let n = 50;
    let time = |label: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        println!(
            "{label:<36} {:>8.1} us",
            t.elapsed().as_micros() as f64 / n as f64
        );
    };
    let raw = RawIdentity::read(&user, &pw)?;
    let fresh = Password::generate();
    let der = write_legacy(
        &raw.pkcs8,
        &raw.certificate,
        &[],
        &fresh,
        Suite::IosLegacy,
        2048,
        None,
    )?;
    time("RawIdentity::read", &mut || {
        RawIdentity::read(&user, &pw).unwrap();
    });
    time("write_legacy (ios-legacy)", &mut || {
        write_legacy(
            &raw.pkcs8,
            &raw.certificate,
            &[],
            &fresh,
            Suite::IosLegacy,
            2048,
            None,
        )
        .unwrap();
    });
    let ctx = BuildContext {
        base: std::path::Path::new(&a[3]).parent().unwrap().to_path_buf(),
        identities: BTreeMap::from([
            ("signing".into(), (der.clone(), fresh.clone())),
            ("encryption".into(), (der.clone(), fresh.clone())),
        ]),
        jamf: BTreeMap::from([("EMAIL".into(), "a@b.mil".into())]),
        ..BuildContext::default()
    };
    let mut xml = Vec::new();
    time("spec.build", &mut || {
        spec.build("spec", &ctx).unwrap();
    });
    let profile = spec.build("spec", &ctx)?;
    time("to_xml", &mut || {
        xml = profile.to_xml();
    });
    time("CMS sign", &mut || {
        sign(&xml, &signer, &[]).unwrap();
    });
    time("pbkit_pki::san_of", &mut || {
        pbkit_pki::san_of(&raw.certificate).unwrap();
    });
    Ok(())
}
