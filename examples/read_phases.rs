//! Where the time of reading a PKCS#12 goes: KDF, ciphers, key and certificate decoding.
//!
//! `cargo run --release --example read_phases -- FILE PASSWORD`

use std::time::Instant;

use pbkit_pkcs12::kdf::{bmp_password, derive_sha1, Purpose};
use pbkit_pkcs12::{Contents, Identity, Password};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let der = std::fs::read(&args[0])?;
    let pw = Password::new(args[1].as_str());
    let n = 50;
    let time = |label: &str, f: &dyn Fn()| {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        println!(
            "{label:<40} {:>8.1} us",
            t.elapsed().as_micros() as f64 / n as f64
        );
    };
    let bmp = bmp_password(pw.as_str());
    time("one KDF round (2048 iterations)", &|| {
        derive_sha1(Purpose::Mac, &bmp, b"12345678", 2048, 20);
    });
    time("Contents::read (MAC, decrypt, decode)", &|| {
        Contents::read(&der, &pw).unwrap();
    });
    time("Identity::from_pkcs12", &|| {
        Identity::from_pkcs12(&der, &pw).unwrap();
    });
    let id = Identity::from_pkcs12(&der, &pw)?;
    let pkcs8 = id.key().private_key_to_pkcs8()?;
    time("PKey::private_key_from_pkcs8", &|| {
        openssl::pkey::PKey::private_key_from_pkcs8(&pkcs8).unwrap();
    });
    let cert = id.certificate().der().to_vec();
    time("X509::from_der", &|| {
        openssl::x509::X509::from_der(&cert).unwrap();
    });
    Ok(())
}
