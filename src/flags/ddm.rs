use clap::{Args, Subcommand};
use pbkit_pkcs12::Suite;
use std::path::PathBuf;

const OUTPUT: &str = "\
Output: DIR/declarations/<Identifier>.json (one declaration each: Type, Identifier,
ServerToken, Payload), DIR/assets/ (the data the asset declarations reference: identity
documents holding a PKCS#12 under a fresh password, 0600; certificates; credentials) and
DIR/manifest.json (every declaration and asset, the URL each asset must be served at,
and the profile keys that have no declarative form). Serve assets/ at --asset-base-url
(https). S/MIME in account declarations needs iOS 17.

ServerTokens are derived from content: a rebuild with no change keeps them. Rebuilding
into the same DIR reuses identity assets whose certificate and suite are unchanged; a
DIR that holds something else is refused unless --force.";

#[derive(Subcommand)]
pub enum DdmCommand {
    /// Build declarations from a profile spec (the same TOML as profile build).
    #[command(after_help = concat!("\
Each account payload becomes a com.apple.configuration.account.exchange or .mail with its
SMIME settings; each PKCS#12 a com.apple.asset.credential.identity; certificates a
credential.certificate asset with a security.certificate configuration; a
com.apple.activation.simple activates the configurations. The key-by-key mapping is in
docs/jamf-admins.md.

Example:
  pbkit ddm build profiles/exchange-smime-identities.toml --out ddm \\
      --asset-base-url https://mdm.example.mil/ddm/assets/

", "Exit codes: 0 written, 1 not written (bad spec, unreadable identity), 2 usage."))]
    Build(BuildArgs),
    /// Convert an existing profile (signed or not) to declarations.
    #[command(after_help = "\
PKCS#12 payloads need their Password in the profile (a profile that lets the device ask
cannot be converted: the asset must hold the password). Keys with no declarative form
are listed on standard error and in manifest.json, never dropped silently.

Example:
  pbkit ddm convert smime.mobileconfig --out ddm \\
      --asset-base-url https://mdm.example.mil/ddm/assets/

Exit codes: 0 written, 1 not written, 2 usage.")]
    Convert(ConvertArgs),
    /// Check declarations and their asset data against Apple's declarative schema.
    #[command(after_help = "\
With the machinery of profile lint (types, required keys, allowed values, iOS versions:
S/MIME in account declarations needs iOS 17), plus what a device does: every asset
reference resolves to a declaration linted with it, of an allowed type; DataURL is
https; Size and Hash-SHA-256 match the data found beside the declarations (assets/);
an identity opens with its Password as one identity fit for its S/MIME use (the same
rule as profiles); every configuration is activated. A folder is linted whole
(DIR/declarations/*.json), so references between its declarations resolve.

Examples:
  pbkit ddm lint ddm
  pbkit ddm lint --min-ios 15.0 --json ddm/declarations/*.json

Exit codes: 0 no errors (warnings and notes allowed), 1 errors, 2 usage.")]
    Lint(LintArgs),
}

#[derive(Args)]
pub struct LintArgs {
    /// Output folders of ddm build/convert, or declaration files.
    #[arg(required = true, value_name = "DIR|FILE")]
    pub paths: Vec<PathBuf>,
    /// The oldest iOS the declarations must work on.
    #[arg(long, default_value = "17.0", value_name = "VERSION", value_parser = crate::args::parse_version)]
    pub min_ios: String,
    /// Print JSON: an array of {file, severity, location, check, message}.
    #[arg(long)]
    pub json: bool,
}

/// What build and convert share.
#[derive(Args)]
pub struct OutputArgs {
    /// The output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Where the DDM server serves DIR/assets/ (https).
    #[arg(long, value_name = "URL")]
    pub asset_base_url: String,
    /// The suite identity assets are written in [default: the spec's, else ios-legacy].
    #[arg(long, value_name = "SUITE")]
    pub suite: Option<Suite>,
    /// The activation's predicate, e.g. "@status(device.operating-system.family) == 'iOS'".
    #[arg(long, value_name = "PREDICATE")]
    pub predicate: Option<String>,
    /// Replace DIR even when it is not a previous build.
    #[arg(long)]
    pub force: bool,
    /// Print the manifest as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
#[command(after_help = OUTPUT)]
pub struct BuildArgs {
    /// The spec (TOML).
    pub spec: PathBuf,
    /// Set a {{NAME}} placeholder (see profile build --list-vars).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = crate::args::parse_var)]
    pub vars: Vec<(String, String)>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args)]
#[command(after_help = OUTPUT)]
pub struct ConvertArgs {
    /// The profile (.mobileconfig, signed or not).
    pub profile: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}
