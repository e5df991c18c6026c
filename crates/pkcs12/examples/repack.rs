//! Reads any PKCS#12 and writes it again in a suite iOS imports, saying what changed.
//!
//! `cargo run -p pbkit-pkcs12 --example repack -- IN.p12 PASSWORD_FILE OUT.p12 [SUITE]`
//! (SUITE: `ios-legacy` (default), `purebred` or `modern`; the new file keeps the password).

use pbkit_pkcs12::{inspect, Identity, PasswordSource, Suite, WriteOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, password, output, suite) = match &args[..] {
        [i, p, o] => (i, p, o, Suite::IosLegacy),
        [i, p, o, s] => (i, p, o, s.parse()?),
        _ => return Err("usage: repack IN.p12 PASSWORD_FILE OUT.p12 [SUITE]".into()),
    };
    let password = PasswordSource::File(password.into()).read()?;
    let der = std::fs::read(input)?;
    // The structure is readable without the password: which suite, and iOS's verdict.
    let before = inspect(&der, None)?;
    let name = |s: Option<Suite>| s.map_or("no named suite", Suite::name);
    println!("{input}: {} ({})", name(before.suite), before.ios.reason);

    let identity = Identity::from_pkcs12(&der, &password)?;
    let repacked = identity.to_pkcs12(&password, &WriteOptions::new(suite))?;
    std::fs::write(output, &repacked)?;
    let after = inspect(&repacked, None)?;
    println!("{output}: {} ({})", name(after.suite), after.ios.reason);
    Ok(())
}
