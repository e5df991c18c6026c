//! The guides run as written: every `$ command` of their console blocks, in order, in one
//! folder per guide that starts as a fresh clone's (`profiles/`, `tests/fixtures/`,
//! `tests/jamf/`), with
//! `pbkit` on the PATH. A command may fail where the guide shows it failing (its output
//! starts with `pbkit:`); otherwise a missing input, a usage error or a panic fails the
//! guide.

use crate::common::*;
use std::path::Path;
use std::process::Command;

/// One `$ ` command of a guide, continuation lines joined, with the output the guide shows
/// for it (every line up to the next command or the end of the block).
struct Step {
    command: String,
    shown: Vec<String>,
}

fn steps(markdown: &str) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let mut in_console = false;
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            in_console = !in_console && line.trim() == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        let Some(first) = line.strip_prefix("$ ") else {
            if let Some(step) = out.last_mut() {
                step.shown.push(line.to_string());
            }
            continue;
        };
        let mut command = first.trim_end().to_string();
        while command.ends_with('\\') {
            command.pop();
            match lines.next() {
                Some(next) => {
                    command.push(' ');
                    command.push_str(next.trim());
                }
                None => break,
            }
        }
        out.push(Step {
            command: command.trim().to_string(),
            shown: Vec::new(),
        });
    }
    out
}

/// A line with every word that holds a digit masked: what stays the same from one run to
/// the next (dates, serials, key identifiers, counts and times change).
fn shape(line: &str) -> String {
    line.split_whitespace()
        .map(|w| {
            // Months too: keytool prints the day a key was made (`Dec 5, 2026`).
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            if w.contains(|c: char| c.is_ascii_digit()) || MONTHS.contains(&w.trim_end_matches(','))
            {
                "#"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A command the guide leaves running (`… &`), stopped when the guide's test ends.
struct Background(std::process::Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a background server (`openssl s_server -accept PORT`, `python3 -m http.server
/// PORT`, `openssl ocsp -port PORT`, `python3 tests/jamf/server.py --port PORT`) and waits until the port accepts: for `openssl ocsp`,
/// until it says so, since it serves one connection at a time and a probe that sends
/// nothing would hold it forever.
fn start_server(command: &str, dir: &Path) -> Background {
    if command.starts_with("openssl ocsp") {
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(format!("exec {command}"))
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let server = Background(child);
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
        assert!(
            lines.any(|l| l.is_ok_and(|l| l.contains("waiting for OCSP client connections"))),
            "`{command}` never listened"
        );
        std::thread::spawn(move || lines.for_each(drop));
        return server;
    }
    let port_after = |flag: &str| {
        command
            .split_whitespace()
            .skip_while(|w| *w != flag)
            .nth(1)
            .and_then(|p| p.parse::<u16>().ok())
    };
    let port = port_after("-accept")
        .or_else(|| port_after("http.server"))
        .or_else(|| port_after("--port"))
        .or_else(|| {
            // `-l 127.0.0.1:PORT` (aiosmtpd) and the like.
            command.split_whitespace().find_map(|w| {
                w.strip_prefix("127.0.0.1:")
                    .and_then(|p| p.trim_end_matches('/').parse().ok())
            })
        })
        .unwrap_or_else(|| {
            panic!("a background command must be a server with -accept PORT: {command}")
        });
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let busy = std::net::TcpStream::connect(addr).is_ok();
    assert!(
        !busy,
        "port {port} is in use: the guide's test server cannot start"
    );
    let child = Command::new("bash")
        .arg("-c")
        .arg(format!("exec {command}"))
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Background(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(addr).is_err() {
        let exited = server.0.try_wait().unwrap();
        assert!(exited.is_none(), "`{command}` exited: {exited:?}");
        assert!(
            std::time::Instant::now() < deadline,
            "`{command}` never listened"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    server
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// How a guide's commands are run: as written, or (for measurements that take minutes)
/// at their smallest, with an environment.
#[derive(Default)]
struct Run<'a> {
    /// `(as written, as run)` replacements in commands.
    smaller: &'a [(&'a str, &'a str)],
    /// Extra environment.
    env: &'a [(&'a str, &'a str)],
}

fn run_guide(name: &str) {
    run_guide_with(name, &Run::default());
}

fn run_guide_with(name: &str, how: &Run) {
    let text = std::fs::read_to_string(root().join("docs").join(name)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("profiles"), &tmp.path().join("profiles"));
    for dir in ["tests/fixtures", "tests/jamf"] {
        copy_dir(&root().join(dir), &tmp.path().join(dir));
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_pbkit")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let steps = steps(&text);
    assert!(!steps.is_empty(), "{name} has no console block");
    let mut servers = Vec::new();
    for Step { command, shown } in steps {
        if let Some(server) = command.strip_suffix('&') {
            servers.push(start_server(server.trim_end(), tmp.path()));
            continue;
        }
        let command = how
            .smaller
            .iter()
            .fold(command, |c, (written, run)| c.replace(written, run));
        // cargo and the scripts run where they are found: the repository.
        let dir = if command.starts_with("cargo ") || command.starts_with("scripts/") {
            root()
        } else {
            tmp.path()
        };
        let o = run(Command::new("bash")
            .arg("-c")
            .arg(&command)
            .current_dir(dir)
            .envs(how.env.iter().copied())
            .env("PATH", &path));
        let (out, err) = (stdout(&o), stderr(&o));
        let code = o.status.code();
        let context = format!("{name}: `{command}` exited {code:?}\nstdout: {out}\nstderr: {err}");
        assert_ne!(code, Some(101), "panicked: {context}");
        assert!(!err.contains("panicked"), "{context}");
        let first = shown.first().map(String::as_str).unwrap_or_default();
        if first.starts_with("pbkit:") {
            // The error the guide shows, word for word.
            assert_eq!(err.lines().next(), Some(first), "{context}");
            continue;
        }
        assert_ne!(code, Some(2), "usage error: {context}");
        assert_ne!(code, Some(127), "no such command: {context}");
        // A missing input of the command itself (a row's missing file is a report line).
        assert!(
            !err.lines()
                .any(|l| l.starts_with("pbkit:") && l.contains("no such file"))
                && !err.contains("No such file"),
            "a missing input: {context}"
        );
        // Every line the guide shows is printed, up to what changes from run to run.
        let printed: Vec<String> = out.lines().chain(err.lines()).map(shape).collect();
        let missing: Vec<&String> = shown
            .iter()
            .filter(|l| l.as_str() != "..." && !printed.contains(&shape(l)))
            .collect();
        assert!(
            missing.is_empty(),
            "shown but not printed: {missing:#?}\n{context}"
        );
    }
    drop(servers);
}

#[test]
fn the_jamf_admin_guide_runs_as_written() {
    run_guide("jamf-admins.md");
}

#[test]
fn the_app_developer_guide_runs_as_written() {
    run_guide("app-developers.md");
}

#[test]
fn the_mdm_server_guide_runs_as_written() {
    run_guide("mdm-servers.md");
}

/// The measurements take minutes (a release build, a 35 s wait for a quiet disk, 100 users,
/// 200 rounds of each phase); here each runs at its smallest, on the test build: 4 users,
/// no wait, one round. What is checked is that they run and print every line shown, not
/// the figures.
#[test]
fn the_performance_guide_runs_at_its_smallest() {
    let bin = env!("CARGO_BIN_EXE_pbkit");
    run_guide_with(
        "performance.md",
        &Run {
            smaller: &[
                (
                    "scripts/bench-vs-openssl.sh 100",
                    "scripts/bench-vs-openssl.sh 4",
                ),
                ("cargo bench --bench", "cargo test --bench"),
            ],
            env: &[("PBKIT", bin), ("BENCH_SETTLE", "0")],
        },
    );
}

/// README's first block: the main job on built-in defaults (run here with the test build,
/// as `cargo run --release --` would run the release one) and the test command, which is
/// what CI runs (running it here would run this test again).
#[test]
fn the_readme_commands_run_and_ci_runs_the_test_command() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("README starts with a sh block");
    let commands: Vec<&str> = block
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .collect();
    let [main_job, tests] = commands[..] else {
        panic!("README's first block has two commands: {commands:?}");
    };
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == tests),
        ".ci/run does not run README's `{tests}`"
    );
    let args = main_job
        .strip_prefix("cargo run --release -- ")
        .expect("the main job is `cargo run --release -- ...`");
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(pbkit()
        .args(args.split_whitespace())
        .current_dir(tmp.path())
        .env("TMPDIR", tmp.path()));
    let first = out.lines().next().unwrap_or_default();
    let dir = first
        .strip_prefix("pbkit demo: everything is in ")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        Path::new(dir).starts_with(tmp.path()),
        "the demo writes under the temporary folder: {dir}"
    );
    for profile in std::fs::read_dir(Path::new(dir).join("profiles")).unwrap() {
        let profile = profile.unwrap().path();
        ok(pbkit()
            .args(["profile", "verify"])
            .arg(&profile)
            .args(["--anchor", &format!("{dir}/pki/trust/anchor.pem")]));
    }
}

/// No command shown goes unrun: every guide with a console block is one the tests above
/// run, and no other fence holds commands (`sh`, `bash`, `shell`), README's first block
/// (run above) aside. A new guide, or a command shown another way, fails here until a test
/// runs it.
#[test]
fn every_shown_command_is_in_a_block_a_test_runs() {
    let run = [
        "jamf-admins.md",
        "app-developers.md",
        "mdm-servers.md",
        "performance.md",
    ];
    let mut files = vec![root().join("README.md")];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        files.push(entry.unwrap().path());
    }
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let fences: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("```") && l.len() > 3)
            .map(|l| l[3..].trim())
            .collect();
        for fence in &fences {
            match *fence {
                "console" => assert!(
                    run.contains(&name.as_str()),
                    "{name}: a console block no test runs"
                ),
                "sh" | "bash" | "shell" => assert!(
                    name == "README.md" && text.matches("```sh").count() == 1,
                    "{name}: a ```{fence} block no test runs"
                ),
                _ => {}
            }
        }
    }
}
