//! The DISA Exchange profile of `profiles/purebred-exchange.toml`, built with the typed API
//! instead of the spec: the same bytes as `pbkit profile build profiles/purebred-exchange.toml`.
//!
//! `cargo run -p pbkit-profile --example purebred_exchange [-- OUT.mobileconfig]`
//! (without a path, the plist goes to standard output).

use std::io::Write;

use pbkit_profile::{Exchange, PayloadParams, Profile, Smime};

/// The profile for an Exchange server at `host`. `$EMAIL` and `$USERNAME` are Jamf
/// payload variables, filled in per device by Jamf.
pub(crate) fn purebred_exchange(host: &str) -> Result<Profile, pbkit_profile::Error> {
    let mut profile = Profile::builder("mil.example.purebred.exchange")
        .display_name("Exchange with Purebred S/MIME")
        .organization("Example Command")
        .description(
            "Exchange ActiveSync account; S/MIME signing and encryption with \
             Purebred-issued identities chosen in Mail.",
        );
    let mut account = Exchange::new("$EMAIL", host).with_smime(&Smime::user_chosen());
    account.user_name = Some("$USERNAME".into());
    profile
        .add_params(PayloadParams::new("exchange", account).display_name("Exchange ActiveSync"))?;
    Ok(profile.build())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let xml = purebred_exchange("mail.example.mil")?.to_xml();
    match std::env::args_os().nth(1) {
        Some(path) => std::fs::write(path, &xml)?,
        None => std::io::stdout().write_all(&xml)?,
    }
    Ok(())
}
