//! Where one rollout user's time goes: reading, re-encrypting, building, signing.
//!
//! ```text
//! cargo run --release --example rollout_phases [SIGNER.p12 USER.p12 PASSWORD_FILE SPEC.toml]
//! ```
//!
//! Without arguments it uses the test identities shipped in `profiles/test-identities/`
//! (RSA-2048, ios-legacy, 2048 iterations) and `profiles/exchange-smime-identities.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use pbkit_pkcs12::{write_legacy, Identity, Password, RawIdentity, Suite};
use pbkit_profile::{sign, BuildContext, Spec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let ids = shipped.join("test-identities");
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [signer, user, password, spec_path] = match &args[..] {
        [] => [
            ids.join("signature.p12"),
            ids.join("encryption.p12"),
            ids.join("password"),
            shipped.join("exchange-smime-identities.toml"),
        ],
        [a, b, c, d] => [a.clone(), b.clone(), c.clone(), d.clone()],
        _ => {
            return Err(
                "usage: rollout_phases [SIGNER.p12 USER.p12 PASSWORD_FILE SPEC.toml]".into(),
            )
        }
    };
    let pw = Password::new(std::fs::read_to_string(&password)?.trim_end());
    let signer = Identity::from_pkcs12(&std::fs::read(&signer)?, &pw)?;
    let user = std::fs::read(&user)?;
    let spec = Spec::read(&spec_path)?;
    let n = 200;
    let time = |label: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
        println!("{label:<40} {us:>8.1} us");
        us
    };
    let raw = RawIdentity::read(&user, &pw)?;
    let fresh = Password::generate();
    let write = || {
        write_legacy(
            &raw.pkcs8,
            &raw.certificate,
            &[],
            &fresh,
            Suite::IosLegacy,
            2048,
            None,
        )
    };
    let der = write()?;
    let read_us = time("RawIdentity::read (ios-legacy)", &mut || {
        RawIdentity::read(&user, &pw).unwrap();
    });
    let write_us = time("write_legacy (ios-legacy)", &mut || {
        write().unwrap();
    });
    let ctx = BuildContext {
        base: spec_path.parent().unwrap_or(Path::new(".")).to_path_buf(),
        identities: BTreeMap::from([
            ("signing".into(), (der.clone(), fresh.clone())),
            ("encryption".into(), (der.clone(), fresh.clone())),
        ]),
        jamf: BTreeMap::from([("EMAIL".into(), "a@b.mil".into())]),
        ..BuildContext::default()
    };
    let build_us = time("spec.build + to_xml", &mut || {
        spec.build("spec", &ctx).unwrap().to_xml();
    });
    let xml = spec.build("spec", &ctx)?.to_xml();
    let sign_us = time("CMS sign", &mut || {
        sign(&xml, &signer, &[]).unwrap();
    });
    println!(
        "{:<40} {:>8.1} us",
        "one user (2 reads, 2 writes, build, sign)",
        2.0 * read_us + 2.0 * write_us + build_us + sign_us
    );
    Ok(())
}
