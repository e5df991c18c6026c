//! Where one rollout user's time goes: reading, re-encrypting, building, signing.
//!
//! ```text
//! cargo bench --bench rollout_phases -- [SIGNER.p12 USER.p12 PASSWORD_FILE SPEC.toml]
//! ```
//!
//! Without arguments it uses the test identities shipped in `profiles/test-identities/`
//! (RSA-2048, ios-legacy, 2048 iterations; the signature identity signs, the encryption
//! one is the user's file read and written) and `profiles/exchange-smime-identities.toml`.
//!
//! Under `cargo test --bench rollout_phases` (no `--bench` flag, as with Criterion's
//! benches) each phase runs once: a check that the bench works, not a measurement.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use pbkit_pkcs12::{Identity, Password, PasswordSource, RawIdentity, Suite, WriteOptions};
use pbkit_profile::{BuildContext, ProvidedIdentity, Signer, Spec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let ids = shipped.join("test-identities");
    // Criterion-style flags (`--bench`) that cargo passes are not ours.
    let args: Vec<PathBuf> = std::env::args_os()
        .skip(1)
        .filter(|a| !a.to_string_lossy().starts_with("--"))
        .map(PathBuf::from)
        .collect();
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
    let pw = PasswordSource::File(password).read()?;
    let signer_der = std::fs::read(&signer)?;
    let signer_raw = RawIdentity::read(&signer_der, &pw)?;
    let signer = Signer::new(Identity::from_pkcs12(&signer_der, &pw)?, Vec::new());
    let user = std::fs::read(&user)?;
    let spec = Spec::read(&spec_path)?;
    let n = if std::env::args().any(|a| a == "--bench") {
        200
    } else {
        1
    };
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
    let options = WriteOptions::new(Suite::IosLegacy);
    let write = || raw.to_pkcs12(&fresh, &options);
    let der = write()?;
    let read_us = time("RawIdentity::read (ios-legacy)", &mut || {
        RawIdentity::read(&user, &pw).unwrap();
    });
    let write_us = time("RawIdentity::to_pkcs12 (ios-legacy)", &mut || {
        write().unwrap();
    });
    // What a rollout does: a user's two files read, and written, in one KDF batch each
    // (two different files, as a user's are: their salts differ).
    let reads_us = time("RawIdentity::read_many (2 files)", &mut || {
        for r in RawIdentity::read_many([&user, &signer_der], &pw) {
            r.unwrap();
        }
    });
    let writes_us = time("RawIdentity::to_pkcs12_many (2 files)", &mut || {
        RawIdentity::to_pkcs12_many([&raw, &signer_raw], &fresh, &options).unwrap();
    });
    let facts_us = time("Facts::from_der (2 certificates)", &mut || {
        for _ in 0..2 {
            pbkit_pki::Facts::from_der(&raw.certificate).unwrap();
        }
    });
    let provided = |raw: &RawIdentity,
                    pkcs12: Vec<u8>|
     -> Result<ProvidedIdentity, Box<dyn std::error::Error>> {
        Ok(ProvidedIdentity {
            pkcs12,
            password: fresh.clone(),
            facts: pbkit_pki::Facts::from_der(&raw.certificate)?,
        })
    };
    let signing = provided(&signer_raw, signer_raw.to_pkcs12(&fresh, &options)?)?;
    let email = signing.facts.san.email.first().cloned().unwrap_or_default();
    let ctx = BuildContext {
        base: spec_path.parent().unwrap_or(Path::new(".")).to_path_buf(),
        identities: BTreeMap::from([
            ("signing".into(), signing),
            ("encryption".into(), provided(&raw, der.clone())?),
        ]),
        jamf: BTreeMap::from([("EMAIL".into(), email)]),
        ..BuildContext::default()
    };
    let build_us = time("spec.build + to_xml", &mut || {
        spec.build("spec", &ctx).unwrap().to_xml();
    });
    let xml = spec.build("spec", &ctx)?.to_xml();
    let sign_us = time("CMS sign", &mut || {
        signer.sign(&xml).unwrap();
    });
    println!(
        "{:<40} {:>8.1} us",
        "one user, files apart (2+2, build, sign)",
        2.0 * read_us + 2.0 * write_us + build_us + sign_us
    );
    println!(
        "{:<40} {:>8.1} us",
        "one user, as a rollout does it",
        reads_us + writes_us + facts_us + build_us + sign_us
    );
    Ok(())
}
