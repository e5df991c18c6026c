//! Across the crates: two PKCS#12 identities into one signed Exchange profile, with the
//! identity rule checked as `pbkit profile lint` checks it.
//!
//! `cargo run --example signed_smime_profile -- OUT.mobileconfig` uses the test identities
//! shipped in `profiles/test-identities/` (the signature identity also signs the profile,
//! which a real deployment leaves to the MDM server's identity).

use pbkit_pkcs12::{Identity, PasswordSource, Suite};
use pbkit_profile::{lint, Exchange, LintOptions, Pkcs12, Profile, Signer, Smime};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: signed_smime_profile OUT.mobileconfig")?;
    let ids = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/test-identities");
    let password = PasswordSource::File(format!("{ids}/password").into()).read()?;
    let open = |name: &str| -> Result<Identity, Box<dyn std::error::Error>> {
        Ok(Identity::from_pkcs12(
            &std::fs::read(format!("{ids}/{name}"))?,
            &password,
        )?)
    };
    let (signature, encryption) = (open("signature.p12")?, open("encryption.p12")?);
    let email = signature.certificate().facts()?.san.email[0].clone();

    let mut profile = Profile::builder("mil.example.smime.user1").display_name("S/MIME for user1");
    let pkcs12 = |id: &Identity| -> Result<Pkcs12, pbkit_profile::Error> {
        Ok(Pkcs12::from_identity(id, &password, Suite::IosLegacy)?.with_password(&password))
    };
    let signing = profile.add_identity("signing", pkcs12(&signature)?)?;
    let decrypting = profile.add_identity("encryption", pkcs12(&encryption)?)?;
    profile.add(
        "exchange",
        Exchange::new(email, "mail.example.mil")
            .with_smime(&Smime::purebred(&signing, &decrypting)),
    )?;
    let profile = profile.build();

    let signed = Signer::new(signature, Vec::new()).sign(&profile.to_xml())?;
    let findings = lint(&signed, &LintOptions::default());
    for f in &findings {
        println!("{:?} {}: {}", f.severity, f.location, f.message);
    }
    // A profile with identities and passwords in it is a secret: owner-only.
    assert!(profile.holds_secrets());
    pbkit_outfile::write(&out, &signed, pbkit_outfile::Perm::Secret)?;
    println!(
        "wrote {out}: {} bytes, {} payloads, {} lint findings",
        signed.len(),
        profile.payloads.len(),
        findings.len()
    );
    Ok(())
}
