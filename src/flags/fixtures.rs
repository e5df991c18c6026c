use clap::Args;
use pbkit_fixtures::{KeyKind, Shape};
use std::path::PathBuf;
use time::OffsetDateTime;

fn parse_key(s: &str) -> Result<KeyKind, String> {
    s.parse()
        .map_err(|e: pbkit_fixtures::UnknownKeyKind| e.to_string())
}

fn parse_shape(s: &str) -> Result<Shape, String> {
    s.parse()
        .map_err(|e: pbkit_fixtures::UnknownShape| e.to_string())
}

#[derive(Args)]
#[command(after_help = "\
Writes ca/ (anchor, bridge, interoperability root, DoD Root CA 3, issuing CAs, reverse and
expired cross-certificates), trust/anchor.pem and trust/intermediates.pem, users/<user>/
(signature, encryption, piv, device; one .pem and one .p12 per generation), server/
(MDM TLS identity: valid, expired, not yet valid; .pem, .p12, .key.pem), password (0600)
and manifest.json. PKCS#12 files use the ios-legacy suite and the password in DIR/password.
With --crl-url or --ocsp-url: crl/<ca>.crl, ocsp/ (index.txt, responder.pem,
responder.key.pem), and server/mdm-server-revoked and -unknown.

Examples:
  pbkit fixtures --out test-pki
  pbkit fixtures --out test-pki --at 2027-06-01 --users 4 --key ec-p256 \\
      --force
  pbkit fixtures --out test-pki --crl-url http://127.0.0.1:18880 \\
      --ocsp-url http://127.0.0.1:18881
  openssl verify -CAfile test-pki/trust/anchor.pem \\
      -untrusted test-pki/trust/intermediates.pem \\
      test-pki/server/mdm-server.pem")]
pub struct FixturesArgs {
    /// Output folder; must be absent or empty unless --force.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Make the whole PKI valid around this date or RFC 3339 timestamp [default: now].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant)]
    pub at: Option<OffsetDateTime>,
    /// Number of users.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub users: u32,
    /// Generations of identities per user (older ones are retired, i.e. expired).
    #[arg(long, default_value_t = 3, value_name = "G", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub generations: u32,
    /// Key type of every certificate.
    #[arg(long, default_value = "rsa2048", value_parser = parse_key, value_name = "rsa2048|rsa3072|ec-p256|ec-p384")]
    pub key: KeyKind,
    /// Publish CRLs at this http:// base: certificates point at BASE/<issuer>.crl, and
    /// crl/ holds every CA's CRL (serve it with any web server). Adds the revoked and
    /// unknown server variants.
    #[arg(long, value_name = "BASE")]
    pub crl_url: Option<String>,
    /// Publish OCSP at this http:// URL: end entities point at it, and ocsp/ holds the
    /// index and responder identity for `openssl ocsp`. Adds the revoked and unknown
    /// server variants.
    #[arg(long, value_name = "URL")]
    pub ocsp_url: Option<String>,
    /// The shape of users' identities: pbkit's, or that of Purebred's sample apps' test
    /// identities (certificatePolicies .42/.39, a FASC-N beside the PIV UPN and urn:uuid,
    /// friendlyName the subject as /C=US/O=…/CN=…).
    #[arg(long, default_value = "pbkit", value_parser = parse_shape, value_name = "pbkit|purebred-sample")]
    pub shape: Shape,
    /// The newest generation's notBefore (date or RFC 3339) [default: 30 days before --at].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant, requires = "valid_until")]
    pub valid_from: Option<OffsetDateTime>,
    /// The newest generation's notAfter [default: three years after its notBefore].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant, requires = "valid_from")]
    pub valid_until: Option<OffsetDateTime>,
    /// Replace a non-empty output folder (only once the new one is complete).
    #[arg(long)]
    pub force: bool,
    /// Print the manifest as JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
}
