//! Any bytes, with the fixtures' password and an empty one: a PKCS#12 reads or is refused,
//! never a panic. Also the structure-only inspection.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pbkit_pkcs12::{inspect, Identity, Password};

fuzz_target!(|data: &[u8]| {
    let _ = inspect(data, None);
    for pw in ["password", ""] {
        let _ = Identity::from_pkcs12(data, &Password::new(pw));
    }
});
