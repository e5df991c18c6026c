//! `pbkit preflight` against `openssl s_server` and loopback listeners.

use crate::common::*;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The tests here take free ports by binding to port 0 and releasing it (s_server's port,
/// the "closed" port); run side by side, one could be handed a port another has just
/// released. One test at a time.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static PORTS: Mutex<()> = Mutex::new(());
    PORTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `openssl s_server` on a free loopback port; killed when dropped.
struct SServer(Child, u16);

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn s_server(args: &[&str]) -> SServer {
    let pki = generated_pki();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("openssl")
        .args(["s_server", "-quiet", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(pki.join("server/mdm-server.pem"))
        .arg("-key")
        .arg(pki.join("server/mdm-server.key.pem"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server (.ci/run installs openssl)");
    let mut server = SServer(child, port);
    // Wait until it listens, with a deadline; an s_server that exited (it could not bind)
    // must not be mistaken for one that listens.
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "s_server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "s_server exited: port {port} was taken"
    );
    server
}

#[test]
fn tls_probe_of_an_openssl_server_sending_the_bridge_path() {
    let _ports = one_at_a_time();
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let chain = tmp.path().join("chain.pem");
    let parts = [
        "ca/dod-sw-ca-66.pem",
        "ca/dod-root-ca-3-by-dod-irca2.pem",
        "ca/dod-irca2-by-fbca-g4.pem",
        "ca/fbca-g4-by-fcpca-g2.pem",
    ];
    std::fs::write(
        &chain,
        parts
            .iter()
            .flat_map(|p| std::fs::read(pki.join(p)).unwrap())
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let server = s_server(&[
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
        "-cert_chain",
        chain.to_str().unwrap(),
    ]);
    let o = run(pbkit()
        .args([
            "preflight",
            "tls",
            "--json",
            "--timeout",
            "3",
            "--at",
            crate::common::AT,
            "--anchor",
        ])
        .arg(pki.join("trust/anchor.pem"))
        .arg(format!("127.0.0.1:{}", server.1)));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    let accepted: Vec<_> = v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["accepted"] == true)
        .map(|x| x["version"].as_str().unwrap())
        .collect();
    assert_eq!(accepted, ["TLS 1.2"]);
    let mut ciphers: Vec<_> = v["tls12_ciphers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    ciphers.sort();
    assert_eq!(
        ciphers,
        ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384"]
    );
    assert_eq!(v["chain"].as_array().unwrap().len(), 5);
    assert_eq!(v["anchors"][0]["sent_chain_reaches"], true);
}

#[test]
fn tls_probe_reports_a_missing_intermediate_and_what_to_add() {
    let _ports = one_at_a_time();
    let pki = generated_pki();
    let server = s_server(&[]);
    let o = run(pbkit()
        .args([
            "preflight",
            "tls",
            "--timeout",
            "3",
            "--at",
            crate::common::AT,
            "--anchor",
        ])
        .arg(pki.join("trust/anchor.pem"))
        .arg("--pool")
        .arg(pki.join("ca"))
        .arg(format!("127.0.0.1:{}", server.1)));
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("TLS 1.2 available (Ivanti EPMM requirement): yes"),
        "{out}"
    );
    assert!(
        out.contains("sent chain reaches Test Federal Common Policy CA G2: no"),
        "{out}"
    );
    assert!(out.contains("add: Test DOD SW CA-66, Test DoD Root CA 3, Test DoD Interoperability Root CA 2, Test Federal Bridge CA G4"), "{out}");
}

#[test]
fn ports_against_loopback_listeners() {
    let _ports = one_at_a_time();
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let port = |i: usize| listeners[i].local_addr().unwrap().port();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = run(pbkit()
        .args([
            "preflight",
            "ports",
            "127.0.0.1",
            "--product",
            "ivanti-epmm",
            "--json",
            "--timeout",
            "2",
        ])
        .args([
            "--map",
            &format!("22={}", port(0)),
            "--map",
            &format!("443={}", port(1)),
            "--map",
            &format!("7443={}", port(2)),
        ])
        .args([
            "--map",
            &format!("80={closed}"),
            "--map",
            &format!("8443={closed}"),
        ]));
    assert_eq!(o.status.code(), Some(1), "80 and 8443 are closed");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let state = |p: u64| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["port"] == p)
            .unwrap()["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state(22), "open");
    assert_eq!(state(443), "open");
    assert_eq!(state(7443), "open");
    assert_eq!(state(80), "closed");
    assert_eq!(state(8443), "closed");
}

/// The text table lines up whatever the purposes' lengths, and ends with a verdict line.
#[test]
fn ports_table_lines_up_and_ends_with_a_verdict() {
    let _ports = one_at_a_time();
    let open = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = pbkit();
    cmd.args(["preflight", "ports", "127.0.0.1", "--product", "jamf-pro"])
        .args(["--timeout", "2", "--map"])
        .arg(format!("443={}", open.local_addr().unwrap().port()));
    for p in [22, 80, 8443] {
        cmd.arg("--map").arg(format!("{p}={closed}"));
    }
    let o = run(&mut cmd);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    let column = lines[0].find("result").unwrap();
    for row in &lines[1..lines.len() - 1] {
        let cell = &row[column..];
        assert!(
            ["open", "CLOSED", "NO ANSWER", "not testable"]
                .iter()
                .any(|s| cell.starts_with(s)),
            "misaligned: {row}"
        );
    }
    assert_eq!(
        lines.last().unwrap(),
        &"FAIL: 1 of 4 testable ports open (3 closed, 0 without answer), 2 not testable from here"
    );
}
