//! `pbkit token`: Purebred's persistent-token (CryptoTokenKit) path.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use pbkit_keyshare::Source;
use pbkit_outfile::{Existing, Perm, StagedDir};
use pbkit_token::app::{AppFiles, AppIds};
use pbkit_token::{PlanReport, Registration};

use crate::out::outln;
use crate::secret::InPasswordArgs;

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
    team_prefix: String,
    /// The provider app's bundle identifier.
    #[arg(long, value_name = "BUNDLE_ID")]
    app_id: String,
    /// The token extension's bundle identifier [default: <app-id>.token].
    #[arg(long, value_name = "BUNDLE_ID")]
    extension_id: Option<String>,
    /// The keychain access group app and extension share [default: <app-id>].
    #[arg(long, value_name = "GROUP")]
    access_group: Option<String>,
    /// A consumer app's bundle identifier: also write its entitlements.
    #[arg(long, value_name = "BUNDLE_ID")]
    consumer_id: Option<String>,
    /// The extension's driver class (a Swift extension: '$(PRODUCT_MODULE_NAME).TokenDriver').
    #[arg(long, value_name = "CLASS", default_value = "TokenDriver")]
    driver_class: String,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace a non-empty output folder.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
pub struct LintArgs {
    /// The provider app's .entitlements.
    #[arg(long, value_name = "FILE")]
    provider_entitlements: Option<PathBuf>,
    /// The token extension's .entitlements.
    #[arg(long, value_name = "FILE")]
    extension_entitlements: Option<PathBuf>,
    /// The token extension's Info.plist.
    #[arg(long, value_name = "FILE")]
    extension_info_plist: Option<PathBuf>,
    /// A consumer app's .entitlements.
    #[arg(long, value_name = "FILE")]
    consumer_entitlements: Option<PathBuf>,
    /// The extension's bundle identifier (when its Info.plist says
    /// $(PRODUCT_BUNDLE_IDENTIFIER)).
    #[arg(long, value_name = "BUNDLE_ID")]
    extension_id: Option<String>,
    /// Print JSON: an array of {file, severity, location, check, message}.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct PlanArgs {
    /// PKCS#12 files, or folders of .p12/.pfx files (a fixtures user's folder).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    in_password: InPasswordArgs,
    /// Print JSON: an array of registrations.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TokenCommand::Plan(a) => plan(a),
        TokenCommand::Scaffold(a) => scaffold(a),
        TokenCommand::Lint(a) => lint(a),
    }
}

fn plan(a: PlanArgs) -> anyhow::Result<ExitCode> {
    let password = a
        .in_password
        .source()
        .required("Password of the PKCS#12 inputs: ")?;
    let plan = Source::read_all(&a.inputs, &password)?
        .iter()
        .map(|s| Registration::of(&s.origin, s.identity.certificate()))
        .collect::<Result<Vec<_>, _>>()?;
    if a.json {
        super::print_json(&plan)?;
    } else {
        crate::out::text(&PlanReport(&plan).to_string());
    }
    Ok(ExitCode::SUCCESS)
}

fn scaffold(a: ScaffoldArgs) -> anyhow::Result<ExitCode> {
    let mut ids = AppIds::new(&a.team_prefix, &a.app_id)?.driver_class(&a.driver_class);
    if let Some(id) = &a.extension_id {
        ids = ids.extension(id)?;
    }
    if let Some(group) = &a.access_group {
        ids = ids.access_group(group)?;
    }
    if let Some(id) = &a.consumer_id {
        ids = ids.consumer(id)?;
    }
    let existing = Existing::replace_if(a.force);
    let staged = StagedDir::new(&a.out, existing, Perm::Public)?;
    let files = ids.scaffold();
    for f in &files {
        let bytes = pbkit_profile::model::xml(&f.value);
        pbkit_outfile::write(staged.path().join(f.name), &bytes, Perm::Public)?;
    }
    staged.commit()?;
    outln!("wrote {}:", a.out.display());
    for f in &files {
        outln!("  {:<30} {}", f.name, f.about);
    }
    Ok(ExitCode::SUCCESS)
}

fn lint(a: LintArgs) -> anyhow::Result<ExitCode> {
    let files = AppFiles {
        provider_entitlements: a.provider_entitlements,
        extension_entitlements: a.extension_entitlements,
        extension_info_plist: a.extension_info_plist,
        consumer_entitlements: a.consumer_entitlements,
        extension_id: a.extension_id,
    };
    if files.provider_entitlements.is_none()
        && files.extension_entitlements.is_none()
        && files.extension_info_plist.is_none()
        && files.consumer_entitlements.is_none()
    {
        return Err(crate::Usage(
            "nothing to lint: give --provider-entitlements, --extension-entitlements, \
             --extension-info-plist or --consumer-entitlements"
                .into(),
        )
        .into());
    }
    super::print_findings(&pbkit_token::app::lint(&files), a.json)
}
