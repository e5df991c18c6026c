use std::sync::OnceLock;

use openssl::provider::Provider;

use crate::Error;

static PROVIDERS: OnceLock<Result<(Provider, Option<Provider>), String>> = OnceLock::new();

/// Loads OpenSSL 3's `default` provider and, when the system has it, the `legacy` one,
/// once for the process; both stay loaded until exit.
///
/// pbkit's own PBE path (its PKCS#12 KDF, OpenSSL's 3DES from the default provider,
/// RustCrypto's RC2) reads and writes the legacy suites without the legacy provider, so its absence is not an error; only
/// OpenSSL's own PKCS#12 code (used for comparison in tests) needs it for RC2. Loading
/// `legacy` explicitly unloads the implicit `default`, so both are loaded here.
pub fn ensure_legacy_provider() -> Result<(), Error> {
    PROVIDERS
        .get_or_init(|| {
            let default = Provider::try_load(None, "default", true).map_err(|e| e.to_string())?;
            let legacy = Provider::try_load(None, "legacy", true).ok();
            Ok((default, legacy))
        })
        .as_ref()
        .map(|_| ())
        .map_err(|e| Error::Providers(e.clone()))
}
