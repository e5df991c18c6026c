//! Any bytes as a certificate file (PEM, DER, PKCS#7): certificates with facts, or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(certs) = pbkit_pki::bundle::parse(data, "fuzz") {
        for c in certs {
            let _ = c.facts();
        }
    }
});
