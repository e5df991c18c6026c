//! `pbkit token`: Purebred's persistent-token (CryptoTokenKit) path.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use pbkit_keyshare::Source;
use pbkit_token::{PlanReport, Registration};

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
  pbkit token plan signature.p12 encryption.p12 --in-password-env P12_PW --json")]
    Plan(PlanArgs),
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
