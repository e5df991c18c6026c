use crate::secret::InPasswordArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// What a persistent-token provider registers per credential, and whether Purebred's
    /// sample token extension can serve it to Mail.
    #[command(after_help = "\
Per identity: its Purebred role (the key-sharing classification), the token instance ID,
the certificate's and key's object IDs and their kSecAttrLabel (all the uppercase hex
SHA-256 of the certificate's DER, as Purebred's CtkProvider registers them), the key,
what Mail needs of it for S/MIME (sign, decrypt), and whether the sample extension can do
that: it signs and decrypts with RSA only and refuses key exchange, so an EC identity
registers but serves Mail nothing.

Examples:
  pbkit token plan test-pki/users/test.user1 \\
      --in-password-file test-pki/password
  pbkit token plan signature.p12 encryption.p12 \\
      --in-password-env P12_PW --json")]
    Plan(PlanArgs),
    /// Write the entitlements and the NSExtension block of a provider app, its token
    /// extension and a consumer app, with their identifiers consistent.
    #[command(after_help = "\
Writes provider.entitlements and token-extension.entitlements (one shared keychain access
group, TEAMID.<group>), token-extension-Info.plist (the NSExtension block: extension point
com.apple.ctk-tokens, com.apple.ctk.class-id = the extension's bundle identifier, the
driver class) and, with --consumer-id, consumer.entitlements (its own group, then
com.apple.token). Merge them into the Xcode targets' files.

Example:
  pbkit token scaffold --team-prefix ABCDE12345 \\
      --app-id mil.example.provider --consumer-id mil.example.mailer \\
      --out token-app")]
    Scaffold(ScaffoldArgs),
    /// Check an app's entitlements and token extension Info.plist for the mismatches that
    /// leave a token empty.
    #[command(after_help = "\
Checks: the extension point is com.apple.ctk-tokens; a driver class is named; the
class-id is the extension's bundle identifier (the provider's driver configuration is
keyed by it); provider app and extension share a keychain access group; a consumer lists
com.apple.token (not first). Give the files you have; each check needs its files.

Exit codes: 0 no errors, 1 at least one error, 2 usage.

Example:
  pbkit token lint --provider-entitlements token-app/provider.entitlements \\
      --extension-entitlements token-app/token-extension.entitlements \\
      --extension-info-plist token-app/token-extension-Info.plist \\
      --extension-id mil.example.provider.token")]
    Lint(LintArgs),
}

#[derive(Args)]
pub struct ScaffoldArgs {
    /// The team's App ID prefix (ten capitals and digits, as in Apple's developer account).
    #[arg(long, value_name = "TEAMID")]
    pub team_prefix: String,
    /// The provider app's bundle identifier.
    #[arg(long, value_name = "BUNDLE_ID")]
    pub app_id: String,
    /// The token extension's bundle identifier [default: <app-id>.token].
    #[arg(long, value_name = "BUNDLE_ID")]
    pub extension_id: Option<String>,
    /// The keychain access group app and extension share [default: <app-id>].
    #[arg(long, value_name = "GROUP")]
    pub access_group: Option<String>,
    /// A consumer app's bundle identifier: also write its entitlements.
    #[arg(long, value_name = "BUNDLE_ID")]
    pub consumer_id: Option<String>,
    /// The extension's driver class (a Swift extension: '$(PRODUCT_MODULE_NAME).TokenDriver').
    #[arg(long, value_name = "CLASS", default_value = "TokenDriver")]
    pub driver_class: String,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a non-empty output folder.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args)]
pub struct LintArgs {
    /// The provider app's .entitlements.
    #[arg(long, value_name = "FILE")]
    pub provider_entitlements: Option<PathBuf>,
    /// The token extension's .entitlements.
    #[arg(long, value_name = "FILE")]
    pub extension_entitlements: Option<PathBuf>,
    /// The token extension's Info.plist.
    #[arg(long, value_name = "FILE")]
    pub extension_info_plist: Option<PathBuf>,
    /// A consumer app's .entitlements.
    #[arg(long, value_name = "FILE")]
    pub consumer_entitlements: Option<PathBuf>,
    /// The extension's bundle identifier (when its Info.plist says
    /// $(PRODUCT_BUNDLE_IDENTIFIER)).
    #[arg(long, value_name = "BUNDLE_ID")]
    pub extension_id: Option<String>,
    /// Print JSON: an array of {file, severity, location, check, message}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct PlanArgs {
    /// PKCS#12 files, or folders of .p12/.pfx files (a fixtures user's folder).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub in_password: InPasswordArgs,
    /// Print JSON: an array of registrations.
    #[arg(long)]
    pub json: bool,
}
