use crate::secret::{InPasswordArgs, KeyPasswordArgs, OutPasswordArgs, PasswordArgs};
use clap::{Args, Subcommand};
use pbkit_pkcs12::Suite;
use std::path::PathBuf;

pub fn parse_suite(s: &str) -> Result<Suite, String> {
    s.parse()
        .map_err(|e: pbkit_pkcs12::UnknownSuite| e.to_string())
}

#[derive(Subcommand)]
pub enum P12Command {
    /// Show how a PKCS#12 is built (no password needed) and, with the password, what it holds.
    #[command(after_help = "\
Without a password: MAC, each safe's encryption and iterations, visible bags, the suite,
and whether iOS will import it. With --password-file/--password-env: every bag, each
identity's certificate facts, and the extra certificates.

Examples:
  pbkit p12 inspect identity.p12
  pbkit p12 inspect identity.p12 --password-file pw.txt --json")]
    Inspect(InspectArgs),
    /// Re-encode a PKCS#12 with a named suite (and optionally a chain).
    #[command(after_help = "\
Examples:
  pbkit p12 repack old.p12 --in-password-file old.pw --out ios.p12 \\
      --out-password-file new.pw --suite ios-legacy
  PW=... pbkit p12 repack a.p12 --in-password-env PW --out b.p12 \\
      --out-password-env PW --suite purebred")]
    Repack(RepackArgs),
    /// Make a PKCS#12 from a private key and a certificate (PEM or DER).
    #[command(after_help = "\
Example:
  pbkit p12 create --key server.key.pem --cert server.pem \\
      --chain intermediates.pem \\
      --suite ios-legacy --out server.p12 --out-password-file server.pw")]
    Create(CreateArgs),
}

#[derive(Args)]
pub struct InspectArgs {
    /// The PKCS#12 file.
    pub file: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The flags of every command that writes a PKCS#12 (`p12 repack`, `p12 create`,
/// `chain p12`).
#[derive(Args)]
pub struct WriteArgs {
    /// Where to write the PKCS#12 (mode 0600, written atomically).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub out_password: OutPasswordArgs,
    /// The algorithms: ios-legacy (iOS-safe), purebred (what the 2025 provider writes), modern (AES; fails on many iOS versions).
    #[arg(long, default_value = "ios-legacy", value_parser = parse_suite, value_name = "ios-legacy|purebred|modern")]
    pub suite: Suite,
    /// PBE and MAC iterations.
    #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub iterations: u32,
    /// friendlyName of the key and certificate bags (Purebred's provider writes "SKP").
    #[arg(long, value_name = "NAME")]
    pub friendly_name: Option<String>,
    /// MAC the file with PBMAC1 (RFC 9579: HMAC-SHA-256 keyed by PBKDF2) instead of the
    /// suite's MAC; ios-legacy and purebred only. Whether iOS imports it is unknown.
    #[arg(long)]
    pub pbmac1: bool,
    /// Print what was written as JSON.
    #[arg(long)]
    pub json: bool,
}

/// [`WriteArgs`] and the extra chain certificates `p12 repack` and `p12 create` take.
#[derive(Args)]
pub struct OutArgs {
    #[command(flatten)]
    pub write: WriteArgs,
    /// PEM/DER/PKCS#7 file of chain certificates to include after the leaf; repeatable.
    #[arg(long, value_name = "PEM")]
    pub chain: Vec<PathBuf>,
}

#[derive(Args)]
pub struct RepackArgs {
    /// The PKCS#12 to read.
    pub input: PathBuf,
    #[command(flatten)]
    pub in_password: InPasswordArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Args)]
pub struct CreateArgs {
    /// Private key: PEM (PKCS#8 or traditional) or DER.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    #[command(flatten)]
    pub key_password: KeyPasswordArgs,
    /// The certificate of the key.
    #[arg(long, value_name = "CERT")]
    pub cert: PathBuf,
    #[command(flatten)]
    pub out: OutArgs,
}
