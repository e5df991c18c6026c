use std::fmt;
use std::str::FromStr;

use openssl::hash::MessageDigest;
use openssl::nid::Nid;

/// A named set of PKCS#12 algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Suite {
    /// 3DES key bag, RC2-40 certificate bag, SHA-1 MAC: what iOS has always imported, and
    /// what Purebred-era files use. The default for anything meant for a device.
    IosLegacy,
    /// What the 2025 Purebred reference provider writes (`PKCS12_create` with key NID
    /// 3DES and certificate NID -1, then `PKCS12_set_mac` with SHA-1): 3DES key bag,
    /// unencrypted certificate bag, SHA-1 MAC with 1 iteration.
    Purebred,
    /// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for both bags, SHA-256 MAC: OpenSSL 3's
    /// default. Known to fail on many iOS versions.
    Modern,
}

impl Suite {
    /// Every suite, in the order they are documented.
    pub const ALL: [Suite; 3] = [Suite::IosLegacy, Suite::Purebred, Suite::Modern];

    /// The suite's name as used on the command line and in specs.
    pub fn name(self) -> &'static str {
        match self {
            Suite::IosLegacy => "ios-legacy",
            Suite::Purebred => "purebred",
            Suite::Modern => "modern",
        }
    }

    pub(crate) fn key_nid(self) -> Nid {
        match self {
            Suite::IosLegacy | Suite::Purebred => Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC,
            Suite::Modern => Nid::AES_256_CBC,
        }
    }

    pub(crate) fn cert_nid(self) -> Nid {
        match self {
            Suite::IosLegacy => Nid::PBE_WITHSHA1AND40BITRC2_CBC,
            // PKCS12_create: -1 means "do not encrypt the certificate bag".
            Suite::Purebred => Nid::from_raw(-1),
            Suite::Modern => Nid::AES_256_CBC,
        }
    }

    /// MAC iterations for `iterations` bag iterations. The 2025 provider calls
    /// `PKCS12_set_mac` with iteration 0, which OpenSSL writes as 1; the others use the
    /// bag count, as `openssl pkcs12 -export` does.
    pub fn mac_iterations(self, iterations: u32) -> u32 {
        match self {
            Suite::Purebred => 1,
            Suite::IosLegacy | Suite::Modern => iterations,
        }
    }

    pub(crate) fn mac_md(self) -> MessageDigest {
        match self {
            Suite::IosLegacy | Suite::Purebred => MessageDigest::sha1(),
            Suite::Modern => MessageDigest::sha256(),
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not one of the suites.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown PKCS#12 suite {0:?} (expected ios-legacy, purebred or modern)")]
pub struct UnknownSuite(pub String);

impl FromStr for Suite {
    type Err = UnknownSuite;
    fn from_str(s: &str) -> Result<Suite, UnknownSuite> {
        Suite::ALL
            .into_iter()
            .find(|suite| suite.name() == s)
            .ok_or_else(|| UnknownSuite(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Suite::ALL {
            assert_eq!(s.name().parse::<Suite>().unwrap(), s);
        }
        assert_eq!(
            "legacy".parse::<Suite>(),
            Err(UnknownSuite("legacy".into()))
        );
    }
}
