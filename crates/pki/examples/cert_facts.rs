//! Prints the facts pbkit reads from certificate files (PEM, DER or PKCS#7).
//!
//! `cargo run -p pbkit-pki --example cert_facts -- tests/fixtures/fpki/dod-id-ca-63.pem`

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for path in std::env::args().skip(1) {
        for cert in pbkit_pki::bundle::read_file(&path)? {
            let f = cert.facts()?;
            let key = f.key.map_or("undecodable".into(), |k| k.to_string());
            println!("{path}: {} (serial {}, key {key})", f.subject, f.serial);
            println!("  issuer {}", f.issuer);
            println!("  valid {} .. {}", f.not_before, f.not_after);
            for problem in &f.problems {
                println!("  problem: {problem}");
            }
        }
    }
    Ok(())
}
