use std::sync::OnceLock;

use openssl::provider::Provider;

use crate::Error;

static PROVIDERS: OnceLock<Result<(Provider, Provider), String>> = OnceLock::new();

/// Loads OpenSSL 3's `legacy` provider (RC2, single-DES-era PBEs) beside `default`, once
/// for the process. Both stay loaded until exit.
///
/// Loading `legacy` explicitly unloads the implicit `default`, so both are loaded here.
pub fn ensure_legacy_provider() -> Result<(), Error> {
    PROVIDERS
        .get_or_init(|| {
            let default = Provider::try_load(None, "default", true).map_err(|e| e.to_string())?;
            let legacy = Provider::try_load(None, "legacy", true).map_err(|e| e.to_string())?;
            Ok((default, legacy))
        })
        .as_ref()
        .map(|_| ())
        .map_err(|e| Error::LegacyProvider(e.clone()))
}
