use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum CertCommand {
    /// Show the facts of every certificate in PEM, DER or PKCS#7 (.p7b/.p7c) files.
    #[command(
        after_help = "Examples:\n  pbkit cert show tests/fixtures/fpki/dod-id-ca-63.pem\n  pbkit cert show --json bundle.p7b | jq '.[].facts.serial'"
    )]
    Show(ShowArgs),
}

#[derive(Args)]
pub struct ShowArgs {
    /// Certificate files: PEM (one or many), DER, or PKCS#7 bundles.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print JSON: an array of {file, index, facts}; facts.problems names the parts that
    /// could not be decoded.
    #[arg(long)]
    pub json: bool,
}
