use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use pbkit_demo::Demo;

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
    out: Option<PathBuf>,
    /// Replace a non-empty --out folder (only once the new one is complete).
    #[arg(long)]
    force: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let out = match &a.out {
        Some(p) => p.clone(),
        None => std::env::temp_dir().join(format!("pbkit-demo-{}", std::process::id())),
    };
    let demo = Demo::new(&out).replace(a.force);
    let bar = crate::progress::bar(demo.steps(), "demo");
    let summary = demo.run(&|| bar.inc(1))?;
    bar.finish_and_clear();
    if a.json {
        super::print_json(&summary)?;
    } else {
        crate::out::text(&summary.to_string());
    }
    Ok(super::exit(summary.passed()))
}
