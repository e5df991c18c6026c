use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
#[command(after_help = "\
Runs the whole toolkit on built-in defaults, with nothing of yours: a test PKI (pbkit
fixtures), a Purebred key-sharing pack of its first user (pbkit keyshare pack), every spec
of profiles/ built and signed by the test MDM server identity (pbkit profile build), each
profile linted and verified against the test anchor, and the profiles with an account in
their declarative form (pbkit ddm convert), linted. Everything lands in one folder.

Examples:
  pbkit demo
  pbkit demo --out demo --force --json")]
pub struct DemoArgs {
    /// Output folder [default: a new folder under the system temp dir].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace a non-empty --out folder (only once the new one is complete).
    #[arg(long)]
    pub force: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}
