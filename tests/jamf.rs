//! The Jamf Pro API test server (tests/jamf/server.py), proven to speak Jamf's protocol by
//! Jamf's own Python SDK (`jamf-pro-sdk`, PyPI), before pbkit is tested against it.

use crate::common::*;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// The test server on a free port; killed when dropped.
pub struct JamfServer {
    child: Child,
    pub port: u16,
}

impl Drop for JamfServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts tests/jamf/server.py with `args`, once it says which port it listens on.
pub fn jamf_server(args: &[&str]) -> JamfServer {
    let mut child = Command::new("python3")
        .arg(root().join("tests/jamf/server.py"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 (.ci/run installs it)");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the Jamf test server said {line:?}"));
    JamfServer { child, port }
}

/// jamf-pro-sdk authenticates against the test server with a user bearer token and with
/// OAuth client credentials, lists, creates (a name with `&`, XML-escaped) and reads back a
/// mobile device configuration profile whose PayloadIdentifier survives.
#[test]
fn jamf_pro_sdk_speaks_to_the_test_server() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("exchange.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/purebred-exchange.toml"))
        .arg("--out")
        .arg(&profile));
    let out = ok(Command::new("python3")
        .arg(root().join("tests/jamf/sdk_check.py"))
        .arg(server.port.to_string())
        .arg(&profile));
    assert_eq!(
        out,
        "user token: listed 0 profiles\n\
         oauth token: listed 0 profiles\n\
         created: HTTP 201\n\
         read back: id 1, PayloadIdentifier mil.example.purebred.exchange\n"
    );
}
