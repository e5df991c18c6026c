use crate::secret::SignerPasswordArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Build a profile from a TOML spec, optionally signed.
    #[command(after_help = "\
Examples:
  pbkit profile build profiles/purebred-exchange.toml \\
      --out exchange.mobileconfig
  pbkit profile build profiles/purebred-exchange.toml \\
      --var host=webmail.apps.mil --out exchange.mobileconfig \\
      --signer signer.p12 --signer-password-file signer.pw \\
      --chain intermediates.pem")]
    Build(BuildArgs),
    /// Sign a profile: CMS SignedData, DER, content attached, SHA-256, whole chain embedded.
    #[command(after_help = "\
Example:
  pbkit profile sign exchange.mobileconfig \\
      --out exchange.signed.mobileconfig --signer signer.p12 \\
      --signer-password-file signer.pw")]
    Sign(SignArgs),
    /// Verify a profile's signature: prints Verified, Unverified, Invalid or Unsigned, with the reason.
    #[command(after_help = concat!("\
Examples:
  pbkit profile verify exchange.signed.mobileconfig \\
      --anchor test-pki/trust/anchor.pem
  pbkit profile verify --json exchange.signed.mobileconfig
  pbkit profile verify --anchor anchor.pem out/*.mobileconfig

", "Exit codes: 0 Verified, 1 Invalid (or unreadable), 3 Unverified, 4 Unsigned, 2 usage;
with several files, the worst of them (Invalid, then Unverified, then Unsigned)."))]
    Verify(VerifyArgs),
    /// Remove the signature, writing the plist exactly as it was signed.
    #[command(
        after_help = "Example:\n  pbkit profile unsign exchange.signed.mobileconfig \\\n      --out exchange.mobileconfig"
    )]
    Unsign(UnsignArgs),
    /// Encrypt a profile's payloads to a device's certificate (CMS EnvelopedData, AES-256).
    #[command(after_help = "\
Apple's procedure: PayloadContent is taken out, serialized as a plist whose top level is
that array, encrypted as CMS EnvelopedData (AES-256-CBC; RSA key transport, or ECDH for an
EC certificate) to each --to certificate, and stored as DER in EncryptedPayloadContent,
with IsEncrypted set. Only a holder of a recipient's key reads the payloads: a profile
with an embedded PKCS#12 and its password is no longer a secret in transit. The device
certificate is the one the device enrolled with (its MDM identity): a CA certificate, one
whose key usage forbids key encipherment (RSA) or agreement (EC), or one not valid at --at
is refused. With --signer the encrypted profile is signed afterwards, as Apple requires.

Example:
  pbkit profile encrypt smime.mobileconfig --to device.pem \\
      --out smime.encrypted.mobileconfig --signer signer.p12 \\
      --signer-password-file signer.pw")]
    Encrypt(EncryptArgs),
    /// Decrypt an encrypted profile with the device's key and certificate (for checking).
    #[command(after_help = "\
The input may be signed (the signature is checked for integrity and dropped). The key is
a PEM or DER private key; an encrypted PEM needs --key-password-file or --key-password-env
(never a prompt). A certificate that is not a recipient, a key that does not match it and
an altered envelope each get one line and exit 1.

Example:
  pbkit profile decrypt smime.encrypted.mobileconfig --key device.key.pem \\
      --cert device.pem --out smime.mobileconfig")]
    Decrypt(DecryptArgs),
    /// Check profiles against Apple's schema and against what iOS does.
    #[command(after_help = "\
Checks: unknown keys, value types, allowed values, required keys, deprecated keys (with their
replacement), keys newer than --min-ios, duplicate PayloadUUID/PayloadIdentifier, references
(PayloadCertificateUUID, SMIMESigningCertificateUUID, SMIMEEncryptionCertificateUUID) that
must point at an identity payload of the same profile, PKCS#12 payloads that must hold one
identity and open with their Password, PKCS#12 suites iOS rejects, signing vs encryption
keyUsage, EmailAddress vs the signing identity's first SAN email, size over 1,000,000
bytes, PayloadRemovalDisallowed needing supervision. Signed files are linted too.

Exit codes: 0 no errors (warnings and notes allowed), 1 at least one error, 2 usage.

Examples:
  pbkit profile lint exchange.mobileconfig
  pbkit profile lint --min-ios 15.0 --json *.mobileconfig")]
    Lint(LintArgs),
    /// Show a profile's payloads, references, embedded certificates, signer and chain.
    #[command(
        after_help = "Examples:\n  pbkit profile inspect exchange.signed.mobileconfig\n  pbkit profile inspect --json smime.mobileconfig"
    )]
    Inspect(InspectArgs),
    /// Compare two profiles as an admin does before replacing one: payload by payload, key by key.
    #[command(after_help = "\
Payloads are matched by type and identifier (then, for what is left, by type alone, as
when Jamf Pro re-derives identifiers). Certificates and PKCS#12 identities are compared by
their certificate's subject, serial, expiry and SHA-256, not their bytes. A UUID that
changed while what it names did not (a PayloadUUID, a reference that still leads to the
matching payload) is shown as UUID only and is not a real change. Signed profiles are
compared by their content. jamf:ID or jamf:NAME reads the profile Jamf Pro keeps (the
connection flags are those of pbkit jamf).

Exit codes: 0 no real change, 1 real changes (or a file cannot be read), 2 usage.

Examples:
  pbkit profile diff old.mobileconfig new.mobileconfig
  pbkit profile diff --json a.mobileconfig b.signed.mobileconfig
  pbkit profile diff jamf:12 new.mobileconfig --url https://mdm.example.mil")]
    Diff(DiffArgs),
}

#[derive(Args)]
pub struct DiffArgs {
    /// The profile as it is (signed or not): a file, or jamf:ID / jamf:NAME.
    pub a: String,
    /// The profile it would become: a file, or jamf:ID / jamf:NAME.
    pub b: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// For jamf: sides (see pbkit jamf list --help).
    #[command(flatten)]
    pub connection: crate::flags::jamf::Connection,
}

/// Who signs: a PKCS#12 identity and optional extra chain certificates.
#[derive(Args)]
pub struct SignerArgs {
    /// PKCS#12 of the signing identity (its chain certificates are embedded too).
    #[arg(long, value_name = "P12")]
    pub signer: Option<PathBuf>,
    #[command(flatten)]
    pub signer_password: SignerPasswordArgs,
    /// PEM/DER/PKCS#7 file of chain certificates: the signer's path through them is
    /// embedded (not the others); repeatable.
    #[arg(long, value_name = "PEM", requires = "signer")]
    pub chain: Vec<PathBuf>,
    /// Anchors devices trust (e.g. FCPCA G2): a warning when the embedded chain reaches
    /// none of them; repeatable.
    #[arg(long = "signer-anchor", value_name = "PEM", requires = "signer")]
    pub anchor: Vec<PathBuf>,
}

#[derive(Args)]
pub struct BuildArgs {
    /// The spec (TOML).
    pub spec: PathBuf,
    /// Where to write the profile (atomically; 0600 when it holds an identity).
    #[arg(long, value_name = "FILE", required_unless_present = "list_vars")]
    pub out: Option<PathBuf>,
    /// Set a {{NAME}} placeholder, overriding the spec's [vars]; NAME must be one the spec
    /// uses (see --list-vars).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = crate::args::parse_var)]
    pub vars: Vec<(String, String)>,
    /// List the spec's variables with their defaults, and build nothing.
    #[arg(long)]
    pub list_vars: bool,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SignArgs {
    /// The unsigned profile.
    pub input: PathBuf,
    /// Where to write the signed profile.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Print what was written as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct EncryptArgs {
    /// The profile, where it goes, the optional signer (signing comes after encrypting).
    #[command(flatten)]
    pub base: SignArgs,
    /// The device certificate (PEM or DER) to encrypt to; repeatable. It must be an end
    /// entity valid at --at whose key usage allows keyEncipherment (RSA) or keyAgreement
    /// (EC).
    #[arg(long = "to", value_name = "CERT", required = true)]
    pub to: Vec<PathBuf>,
    /// Check the recipients at this date or RFC 3339 instant [default: now].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant)]
    pub at: Option<time::OffsetDateTime>,
}

#[derive(Args)]
pub struct DecryptArgs {
    /// The encrypted profile (signed or not).
    pub input: PathBuf,
    /// The device's private key (PEM or DER; an encrypted PEM with --key-password-file
    /// or --key-password-env).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    #[command(flatten)]
    pub key_password: crate::secret::KeyPasswordArgs,
    /// The device's certificate.
    #[arg(long, value_name = "CERT")]
    pub cert: PathBuf,
    /// Where to write the decrypted profile (unsigned; 0600 when it holds secrets).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The profiles.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Trusted root or intermediate certificates (PEM, DER, PKCS#7); repeatable.
    #[arg(long, value_name = "PEM")]
    pub anchor: Vec<PathBuf>,
    /// Print JSON Lines: one object per file ({"status": ok|failed, "item": file,
    /// "verdict", "reason"}), then {"summary": {…counts by status}}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct UnsignArgs {
    /// The signed profile.
    pub input: PathBuf,
    /// Where to write the plist.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Print what was written as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct LintArgs {
    /// Profiles (signed or not).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The oldest iOS the profiles must work on.
    #[arg(long, default_value = "12.0", value_name = "VERSION", value_parser = crate::args::parse_version)]
    pub min_ios: String,
    /// Warn about certificates expired or not yet valid at this date or RFC 3339 instant
    /// [default: now].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant)]
    pub at: Option<time::OffsetDateTime>,
    /// Print JSON: an array of {file, severity, location, check, message}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct InspectArgs {
    /// The profile (signed or not).
    pub file: PathBuf,
    /// Trusted certificates, to tell Verified from Unverified; repeatable.
    #[arg(long, value_name = "PEM")]
    pub anchor: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
