use crate::flags::p12::parse_suite;
use crate::secret::{InPasswordArgs, PasswordArgs};
use clap::{Args, Subcommand};
use pbkit_keyshare::Format;
use pbkit_pkcs12::Suite;
use std::path::PathBuf;

pub fn parse_format(s: &str) -> Result<Format, pbkit_keyshare::UnknownFormat> {
    s.parse()
}

#[derive(Subcommand)]
pub enum KeyshareCommand {
    /// Build a key-sharing pack: the zips and p12 files a Purebred provider would serve.
    #[command(after_help = "\
Writes DIR/<Folder>.zip for every non-empty selection (All, All User, PIV, Signature,
Encryption, Device, Unfiltered), DIR/p12/<type>_<SERIAL>.p12 for every identity, DIR/password
(the one pack password, 0600) and DIR/manifest.json (type, serial, SHA-256 keychain label,
validity, and which archives hold each identity and why). Warns about expired identities and
a pack without an encryption identity. The result does not depend on the order of INPUTs.

Examples:
  pbkit keyshare pack tests/fixtures/purebred-skp --in-password-file pw.txt \\
      --out pack
  pbkit keyshare pack test-pki/users/test.user1 \\
      --in-password-file test-pki/password --out pack --format legacy")]
    Pack(PackArgs),
    /// Show the type Purebred gives each identity and the rule that decided it.
    #[command(after_help = "\
INPUTs may be PKCS#12 files (password needed), certificate files (PEM, DER, PKCS#7), or
folders of .p12/.pfx files.

Examples:
  pbkit keyshare classify tests/fixtures/purebred-skp \\
      --in-password-file pw.txt
  pbkit keyshare classify --json signature.pem")]
    Classify(ClassifyArgs),
    /// The key-sharing UTIs, or the Info.plist declarations a consuming app needs.
    #[command(after_help = "\
Examples:
  pbkit keyshare utis
  pbkit keyshare utis --format legacy
  pbkit keyshare utis --info-plist > utis.plist
  pbkit keyshare utis --info-plist --for purebred2025.select.signature
  pbkit keyshare utis --resolve purebred2025.select.signature \\
      purebred.zip.all_user")]
    Utis(UtisArgs),
    /// Open a pack zip or a p12 as a consuming app would: identities, keychain labels, problems.
    #[command(after_help = "\
Exits 1 when any entry would fail or mislead a consumer (wrong password, no key, key and
certificate that do not match, a name that does not match the certificate, an algorithm
iOS rejects).

Examples:
  pbkit keyshare open pack/All.zip --password-file pack/password
  pbkit keyshare open pack/Signature --password-file pack/password
  pbkit keyshare open pack/p12/signature_025722.p12 \\
      --password-file pack/password --json")]
    Open(OpenArgs),
}

#[derive(Args)]
pub struct InputArgs {
    /// PKCS#12 files, or folders of them.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub in_password: InPasswordArgs,
}

#[derive(Args)]
pub struct PackArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder; must be absent or empty unless --force.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Provider generation to imitate: 2025 (purebred suite) or legacy (ios-legacy suite).
    #[arg(long, default_value = "2025", value_parser = parse_format, value_name = "2025|legacy")]
    pub format: Format,
    /// Override the format's PKCS#12 suite.
    #[arg(long, value_parser = parse_suite, value_name = "ios-legacy|purebred|modern")]
    pub suite: Option<Suite>,
    /// Replace a non-empty output folder (only once the new pack is complete).
    #[arg(long)]
    pub force: bool,
    /// Print the manifest as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ClassifyArgs {
    /// PKCS#12 files, certificate files, or folders of .p12/.pfx files.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub in_password: InPasswordArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct UtisArgs {
    /// UTI family.
    #[arg(long, default_value = "2025", value_parser = parse_format, value_name = "2025|legacy")]
    pub format: Format,
    /// Print the UTImportedTypeDeclarations plist for a consuming app's Info.plist: every
    /// UTI of --format, or with --for only what those UTIs need.
    #[arg(long, conflicts_with = "resolve")]
    pub info_plist: bool,
    /// With --info-plist: the UTIs the app asks for (a 2025 select.* brings its -p12
    /// companion).
    #[arg(long = "for", value_name = "UTI", num_args = 1.., requires = "info_plist")]
    pub for_utis: Vec<String>,
    /// Say what each of these UTIs selects (deprecated spellings are accepted, with a warning).
    #[arg(long, value_name = "UTI", num_args = 1..)]
    pub resolve: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct OpenArgs {
    /// A pack zip, a single .p12, or a folder as a 2025 select.* UTI delivers it.
    pub file: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
