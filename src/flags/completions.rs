use clap::Args;
use clap_complete::Shell;
use std::path::PathBuf;

#[derive(Args)]
#[command(
    after_help = "Example:\n  pbkit completions bash > ~/.local/share/bash-completion/completions/pbkit"
)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: Shell,
}

#[derive(Args)]
#[command(after_help = "\
Examples:
  pbkit man > /usr/local/share/man/man1/pbkit.1
  pbkit man --all /usr/local/share/man/man1")]
pub struct ManArgs {
    /// Write pbkit.1 and one page per subcommand (pbkit-profile-build.1, …) into DIR.
    #[arg(long, value_name = "DIR")]
    pub all: Option<PathBuf>,
}
