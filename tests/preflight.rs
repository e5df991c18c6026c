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
    s_server_with(
        &pki.join("server/mdm-server.pem"),
        &pki.join("server/mdm-server.key.pem"),
        args,
    )
}

/// `openssl s_server` serving `cert` with `key`.
fn s_server_with(cert: &std::path::Path, key: &std::path::Path, args: &[&str]) -> SServer {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("openssl")
        .args(["s_server", "-quiet", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key)
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
    let (_tmp, chain) = full_chain();
    let server = s_server(&[
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
        "-cert_chain",
        &chain,
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
        .args(["--servername", "mdm.pbkit.test"])
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
    assert_eq!(v["ats"], true);
    assert_eq!(v["weak_tls12_ciphers"].as_array().unwrap().len(), 0);
    let ios: Vec<(&str, &str)> = v["ios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["verdict"].as_str().unwrap(),
                r["detail"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ios,
        [
            ("pass", "mdm.pbkit.test matches mdm.pbkit.test"),
            ("pass", "5 keys checked"),
            ("pass", "5 signatures checked"),
            ("pass", "present"),
            ("pass", "395 days"),
        ]
    );
}

/// `preflight tls` against `server`, by `name` (SNI and the name checked).
fn probe(server: &SServer, name: Option<&str>, extra: &[&str]) -> std::process::Output {
    let pki = generated_pki();
    let mut cmd = pbkit();
    cmd.args([
        "preflight",
        "tls",
        "--timeout",
        "3",
        "--at",
        crate::common::AT,
    ])
    .arg("--anchor")
    .arg(pki.join("trust/anchor.pem"))
    .arg("--pool")
    .arg(pki.join("ca"))
    .args(extra);
    if let Some(name) = name {
        cmd.args(["--servername", name]);
    }
    run(cmd.arg(format!("127.0.0.1:{}", server.1)))
}

/// The whole forward path of the shared test PKI, as a server should send it.
fn full_chain() -> (tempfile::TempDir, String) {
    full_chain_of(generated_pki())
}

/// The whole forward path of the test PKI in `pki`.
fn full_chain_of(pki: &std::path::Path) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let chain = tmp.path().join("chain.pem");
    let parts = [
        "ca/dod-sw-ca-66.pem",
        "ca/dod-root-ca-3-by-dod-irca2.pem",
        "ca/dod-irca2-by-fbca-g4.pem",
        "ca/fbca-g4-by-fcpca-g2.pem",
    ];
    let pem: Vec<u8> = parts
        .iter()
        .flat_map(|p| std::fs::read(pki.join(p)).unwrap())
        .collect();
    std::fs::write(&chain, pem).unwrap();
    let chain = chain.to_str().unwrap().to_string();
    (tmp, chain)
}

/// iOS matches the name it connects to against the subjectAltName only: another name, or
/// the bare address, fails, and the certificate's names are listed.
#[test]
fn tls_probe_fails_a_name_the_certificate_does_not_carry() {
    let _ports = one_at_a_time();
    let (_tmp, chain) = full_chain();
    let server = s_server(&["-cert_chain", &chain]);
    let o = probe(&server, Some("mdm.pbkit.test"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains(
        "iOS pass the server's name in the subjectAltName: mdm.pbkit.test matches mdm.pbkit.test"
    ));
    for name in [Some("wrong.example.mil"), None] {
        let o = probe(&server, name, &[]);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        let out = stdout(&o);
        let shown = name.unwrap_or("127.0.0.1");
        assert!(
            out.contains(&format!(
                "iOS FAIL the server's name in the subjectAltName: {shown} is not among the \
                 certificate's names (DNS mdm.pbkit.test, DNS localhost); the subject CN is not \
                 consulted"
            )),
            "{out}"
        );
        assert!(
            out.contains(
                "iOS certificate requirements: not met (the server's name in the subjectAltName)"
            ),
            "{out}"
        );
    }
}

/// A leaf that breaks Apple's other rules (iOS 13): a 1024-bit RSA key, a SHA-1
/// signature, no serverAuth EKU, 900 days; made by the openssl CLI, served as its own
/// anchor.
#[test]
fn tls_probe_judges_a_certificate_by_apples_rules() {
    let _ports = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let (key, cert) = (tmp.path().join("k.pem"), tmp.path().join("c.pem"));
    ok(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-sha1", "-days", "900",
        ])
        .args([
            "-subj",
            "/CN=mdm.pbkit.test",
            "-addext",
            "subjectAltName=DNS:mdm.pbkit.test",
        ])
        .args(["-addext", "extendedKeyUsage=clientAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert));
    // OpenSSL's own security level refuses to serve a SHA-1, 1024-bit certificate.
    let server = s_server_with(&cert, &key, &["-cipher", "DEFAULT:@SECLEVEL=0"]);
    let o = run(pbkit()
        .args([
            "preflight",
            "tls",
            "--timeout",
            "3",
            "--servername",
            "mdm.pbkit.test",
        ])
        .arg("--anchor")
        .arg(&cert)
        .arg(format!("127.0.0.1:{}", server.1)));
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for line in [
        "iOS pass the server's name in the subjectAltName: mdm.pbkit.test matches mdm.pbkit.test",
        "iOS FAIL RSA keys of 2048 bits or more (EC: 256), leaf and issuing CAs: mdm.pbkit.test (RSA 1024)",
        "iOS FAIL SHA-2 signatures, leaf and issuing CAs: mdm.pbkit.test (sha1WithRSAEncryption)",
        "iOS FAIL serverAuth in the leaf's extendedKeyUsage (issued from 2019-07-01): the leaf's extendedKeyUsage is clientAuth",
        "iOS FAIL validity of 825 days or fewer (issued from 2019-07-01): 900 days",
        "iOS note validity of 398 days or fewer (only under Apple's preinstalled roots): 900 days: refused if the anchor is a publicly trusted root; not judged for an enterprise anchor (the DoD and Federal PKI roots are not preinstalled)",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
}

/// App Transport Security needs TLS 1.2+ with an ECDHE suite; other accepted suites are
/// warnings, each with what is weak about it.
#[test]
fn tls_probe_checks_app_transport_security_and_names_weak_suites() {
    let _ports = one_at_a_time();
    let (_tmp, chain) = full_chain();
    let mixed = s_server(&[
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:AES256-SHA256",
        "-cert_chain",
        &chain,
    ]);
    let o = probe(&mixed, Some("mdm.pbkit.test"), &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("  weak suite AES128-SHA: no forward secrecy, CBC with SHA-1\n"),
        "{out}"
    );
    assert!(
        out.contains("  weak suite AES256-SHA256: no forward secrecy\n"),
        "{out}"
    );
    assert!(
        out.contains("App Transport Security (TLS 1.2+ with forward secrecy): met"),
        "{out}"
    );
    assert!(out.contains("weak TLS 1.2 suites accepted: 2"), "{out}");
    drop(mixed);
    let weak = s_server(&["-tls1_2", "-cipher", "AES128-SHA", "-cert_chain", &chain]);
    let o = probe(&weak, Some("mdm.pbkit.test"), &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("App Transport Security (TLS 1.2+ with forward secrecy): not met"),
        "{out}"
    );
}

/// A port where something else listens (a real HTTP server, Python's), or where nothing
/// answers, is named for what it is: no per-version lines, no chain verdicts.
#[test]
fn tls_probe_names_a_port_that_is_not_tls_or_silent() {
    let _ports = one_at_a_time();
    let port = free_port();
    let http = listening(
        Command::new("python3").args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ]),
        port,
    );
    let o = run(pbkit()
        .args(["preflight", "tls", "--timeout", "2"])
        .arg(format!("127.0.0.1:{port}")));
    drop(http);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        format!(
            "127.0.0.1:{port}\n  error: not a TLS server: it answered \"<!DOCTYPE HTML>\" to a \
             TLS ClientHello\n"
        )
    );

    // Accepts, never reads or answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let start = Instant::now();
    let o = run(pbkit()
        .args(["preflight", "tls", "--timeout", "1"])
        .arg(format!("127.0.0.1:{port}")));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        format!(
            "127.0.0.1:{port}\n  error: timed out: the TCP connection opened, but nothing \
             answered the TLS ClientHello within 1 s\n"
        )
    );
    // Four versions, each waiting its 1 s timeout at most.
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    drop(silent);
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
    // Only what the server sent was searched: the dead end names what it does not send.
    assert!(
        out.contains(
            "Test Federal Common Policy CA G2: mdm.pbkit.test: dead end: the server does not \
             send Test DOD SW CA-66, the issuer of mdm.pbkit.test"
        ),
        "{out}"
    );
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

/// A free loopback port (bound and released: see [`one_at_a_time`]).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cmd` and waits until it listens on `port`.
fn listening(cmd: &mut Command, port: u16) -> Running {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (.ci/run installs it)"));
    let mut running = Running(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            running.0.try_wait().unwrap().is_none(),
            "{cmd:?} exited before listening"
        );
        assert!(Instant::now() < deadline, "{cmd:?} never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    running
}

/// A test PKI made by `pbkit fixtures --crl-url --ocsp-url` (around `at`), its CRLs served
/// by Python's HTTP server and its OCSP index by a real `openssl ocsp` responder.
struct Published {
    dir: tempfile::TempDir,
    crl_port: u16,
    ocsp_port: u16,
    crl_server: Option<Running>,
    _ocsp: Running,
}

fn published(at: &str) -> Published {
    let dir = tempfile::tempdir().unwrap();
    let (crl_port, ocsp_port) = (free_port(), free_port());
    ok(pbkit()
        .args([
            "fixtures",
            "--key",
            "ec-p256",
            "--users",
            "1",
            "--generations",
            "1",
        ])
        .args(["--at", at, "--force", "--out"])
        .arg(dir.path())
        .arg("--crl-url")
        .arg(format!("http://127.0.0.1:{crl_port}"))
        .arg("--ocsp-url")
        .arg(format!("http://127.0.0.1:{ocsp_port}")));
    let crl_server = listening(
        Command::new("python3")
            .args([
                "-m",
                "http.server",
                &crl_port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir.path().join("crl")),
        crl_port,
    );
    // `openssl ocsp` serves one connection at a time and would wait forever on a probe
    // that connects and sends nothing: wait for it to say it listens instead.
    let mut child = Command::new("openssl")
        .args([
            "ocsp",
            "-index",
            "ocsp/index.txt",
            "-port",
            &ocsp_port.to_string(),
        ])
        .args([
            "-rsigner",
            "ocsp/responder.pem",
            "-rkey",
            "ocsp/responder.key.pem",
        ])
        .args(["-CA", "ca/dod-sw-ca-66.pem", "-nmin", "60"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl ocsp (.ci/run installs openssl)");
    let stderr = child.stderr.take().unwrap();
    let ocsp = Running(child);
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("waiting for OCSP client connections"))),
        "openssl ocsp did not start"
    );
    // Keep reading what it says, so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Published {
        dir,
        crl_port,
        ocsp_port,
        crl_server: Some(crl_server),
        _ocsp: ocsp,
    }
}

fn now_rfc3339(days_ago: i64) -> String {
    let t = time::OffsetDateTime::now_utc() - time::Duration::days(days_ago);
    t.replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn revocation(p: &Published, cert: &str) -> std::process::Output {
    run(pbkit()
        .args(["preflight", "revocation", "--timeout", "3"])
        .arg(p.dir.path().join(cert))
        .arg("--anchor")
        .arg(p.dir.path().join("trust/anchor.pem"))
        .arg("--pool")
        .arg(p.dir.path().join("ca")))
}

/// Good, revoked and unknown server certificates, each asked of the CRLs and of a real
/// OCSP responder, every answer verified against the issuer.
#[test]
fn revocation_of_good_revoked_and_unknown_certificates() {
    let _ports = one_at_a_time();
    let p = published(&now_rfc3339(0));
    let (crl, ocsp) = (p.crl_port, p.ocsp_port);
    let o = revocation(&p, "server/mdm-server.pem");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains(&format!(
        "  CRL  mdm.pbkit.test [http://127.0.0.1:{crl}/dod-sw-ca-66.crl]: good (next update "
    )));
    assert!(out.contains(&format!(
        "  OCSP mdm.pbkit.test [http://127.0.0.1:{ocsp}]: good"
    )));
    assert!(
        out.ends_with("revocation: good (6 sources for 5 certificates)\n"),
        "{out}"
    );

    let o = revocation(&p, "server/mdm-server-revoked.pem");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!(
        "  CRL  mdm.pbkit.test [http://127.0.0.1:{crl}/dod-sw-ca-66.crl]: REVOKED at "
    )));
    assert!(out.contains(&format!(
        "  OCSP mdm.pbkit.test [http://127.0.0.1:{ocsp}]: REVOKED at "
    )));
    assert!(out.contains("revocation: 2 revoked, 0 unknown, 0 without a trustworthy answer"));

    let o = revocation(&p, "server/mdm-server-unknown.pem");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!(
        "  OCSP mdm.pbkit.test [http://127.0.0.1:{ocsp}]: UNKNOWN to the responder"
    )));
}

/// A CRL of another issuer, one signed by another key under the issuer's name, one whose
/// nextUpdate has passed, and a CRL server that is down: each is a problem, named, and
/// fails the check.
#[test]
fn revocation_names_a_source_it_cannot_trust_or_reach() {
    let _ports = one_at_a_time();
    let mut p = published(&now_rfc3339(0));
    let crl_dir = p.dir.path().join("crl");
    std::fs::copy(
        crl_dir.join("fcpca-g2.crl"),
        crl_dir.join("dod-sw-ca-66.crl"),
    )
    .unwrap();
    let o = revocation(&p, "server/mdm-server.pem");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("dod-sw-ca-66.crl]: PROBLEM: the CRL is not the issuer's"),
        "{}",
        stdout(&o)
    );
    // The same issuer name, another key: another test PKI's SW CA signed it.
    let other = published(&now_rfc3339(0));
    std::fs::copy(
        other.dir.path().join("crl/dod-sw-ca-66.crl"),
        crl_dir.join("dod-sw-ca-66.crl"),
    )
    .unwrap();
    drop(other);
    let o = revocation(&p, "server/mdm-server.pem");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains(
            "dod-sw-ca-66.crl]: PROBLEM: the CRL's signature does not verify with the issuer's key"
        ),
        "{}",
        stdout(&o)
    );
    p.crl_server = None; // stopped
    let o = revocation(&p, "server/mdm-server.pem");
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "(devices need port {} open to 127.0.0.1)",
            p.crl_port
        )),
        "{out}"
    );
    assert!(out.contains("revocation: 0 revoked, 0 unknown, 5 without a trustworthy answer"));
    drop(p);

    // Made 30 days ago: its CRLs were due again 7 days after.
    let p = published(&now_rfc3339(30));
    let o = revocation(&p, "server/mdm-server.pem");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("dod-sw-ca-66.crl]: PROBLEM: stale: its nextUpdate "),
        "{}",
        stdout(&o)
    );
}

/// `preflight tls` checks the revocation of the path it finds: a server whose certificate
/// is revoked fails.
#[test]
fn tls_probe_checks_the_revocation_of_the_path() {
    let _ports = one_at_a_time();
    let p = published(&now_rfc3339(0));
    let d = p.dir.path();
    let (_chain_dir, chain) = full_chain_of(d);
    for (variant, code, line) in [
        ("", 0, "revocation: good (6 sources for 5 certificates)"),
        ("-revoked", 1, "revocation: 2 revoked, 0 unknown"),
    ] {
        let server = s_server_with(
            &d.join(format!("server/mdm-server{variant}.pem")),
            &d.join(format!("server/mdm-server{variant}.key.pem")),
            &["-cert_chain", &chain],
        );
        let o = run(pbkit()
            .args([
                "preflight",
                "tls",
                "--timeout",
                "3",
                "--servername",
                "mdm.pbkit.test",
            ])
            .arg("--anchor")
            .arg(d.join("trust/anchor.pem"))
            .arg(format!("127.0.0.1:{}", server.1)));
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(code), "{out}");
        assert!(out.contains(line), "{out}");
    }
}

/// OpenLDAP's slapd (Debian's package) on a free port, StartTLS with the test PKI's
/// server identity; no database (StartTLS needs none).
fn slapd() -> (tempfile::TempDir, Running, u16) {
    let pki = generated_pki();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("slapd.conf");
    std::fs::write(
        &conf,
        format!(
            "include /etc/ldap/schema/core.schema\npidfile {}\nTLSCertificateFile {}\n\
             TLSCertificateKeyFile {}\n",
            dir.path().join("slapd.pid").display(),
            pki.join("server/mdm-server.pem").display(),
            pki.join("server/mdm-server.key.pem").display()
        ),
    )
    .unwrap();
    let port = free_port();
    let running = listening(
        Command::new("/usr/sbin/slapd")
            .args(["-d", "0", "-f"])
            .arg(&conf)
            .args(["-h", &format!("ldap://127.0.0.1:{port}/")]),
        port,
    );
    (dir, running, port)
}

/// Python's aiosmtpd (PyPI) on a free port, offering STARTTLS with the test PKI's server
/// identity.
fn aiosmtpd() -> (Running, u16) {
    let pki = generated_pki();
    let port = free_port();
    let running = listening(
        Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .arg("--tlscert")
            .arg(pki.join("server/mdm-server.pem"))
            .arg("--tlskey")
            .arg(pki.join("server/mdm-server.key.pem")),
        port,
    );
    (running, port)
}

/// Real servers of each kind: `openssl s_server` with TLS 1.2 only, TLS 1.3 only and
/// TLS 1.0 only, OpenLDAP's slapd (StartTLS) and aiosmtpd (STARTTLS). EPMM's TLS 1.2
/// with SNI reaches the first, slapd and aiosmtpd; the suites table says which server
/// takes which suite.
#[test]
fn outgoing_tls_of_real_smtp_ldap_and_tls_servers() {
    let _ports = one_at_a_time();
    let tls12 = s_server(&[
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA",
    ]);
    let tls13 = s_server(&["-tls1_3"]);
    let tls10 = s_server(&["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]);
    let (_slapd_dir, _slapd, ldap) = slapd();
    let (_smtpd, smtp) = aiosmtpd();
    let targets = [
        format!("127.0.0.1:{}", tls12.1),
        format!("smtp://127.0.0.1:{smtp}"),
        format!("ldap://127.0.0.1:{ldap}"),
        format!("127.0.0.1:{}", tls13.1),
        format!("127.0.0.1:{}", tls10.1),
    ];
    let o = run(pbkit()
        .args(["preflight", "outgoing", "--json", "--timeout", "3"])
        .args(&targets));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let connects: Vec<bool> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tls12_connects"].as_bool().unwrap())
        .collect();
    assert_eq!(connects, [true, true, true, false, false], "{v:#}");
    assert_eq!(
        v["targets"][0]["tls12_suites"],
        serde_json::json!(["ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA"])
    );
    for t in &v["targets"].as_array().unwrap()[1..3] {
        assert!(!t["tls12_suites"].as_array().unwrap().is_empty(), "{t:#}");
    }
    let used_by = |suite: &str| -> Vec<String> {
        v["suites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["suite"] == suite)
            .map(|u| {
                u["used_by"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let gcm = used_by("ECDHE-RSA-AES128-GCM-SHA256");
    assert!(gcm.contains(&targets[0]) && gcm.contains(&targets[1]) && gcm.contains(&targets[2]));
    assert!(
        !used_by("AES128-SHA").contains(&targets[1]),
        "aiosmtpd refuses AES128-SHA"
    );

    let o = run(pbkit()
        .args(["preflight", "outgoing", "--timeout", "3"])
        .args(&targets[..3]));
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(&format!("smtp://127.0.0.1:{smtp} (STARTTLS, SMTP)\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!("ldap://127.0.0.1:{ldap} (STARTTLS, LDAP)\n")),
        "{out}"
    );
    assert!(
        out.ends_with("PASS: 3 of 3 servers take EPMM's TLS 1.2 with SNI\n"),
        "{out}"
    );
}

/// A target that does not speak the protocol it is named with, a host that does not
/// resolve and a closed port each end, quickly, in one line.
#[test]
fn outgoing_names_a_target_that_cannot_be_reached_or_does_not_speak_its_protocol() {
    let _ports = one_at_a_time();
    let tls = s_server(&[]);
    let (_smtpd, smtp) = aiosmtpd();
    let closed = free_port();
    let targets = [
        format!("smtp://127.0.0.1:{}", tls.1),
        format!("ldap://127.0.0.1:{smtp}"),
        "nosuch.invalid".to_string(),
        format!("127.0.0.1:{closed}"),
    ];
    let start = Instant::now();
    let o = run(pbkit()
        .args(["preflight", "outgoing", "--timeout", "1"])
        .args(&targets));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for line in [
        "  error: SMTP: no answer within the timeout: not an SMTP server, or one that expects TLS from the first byte",
        "  error: LDAP: no answer within the timeout: not an LDAP server, or one that expects TLS from the first byte",
        "  error: cannot resolve nosuch.invalid",
        &format!("  error: no TCP connection to 127.0.0.1:{closed}: Connection refused"),
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
    assert!(
        out.ends_with("FAIL: 0 of 4 servers take EPMM's TLS 1.2 with SNI\n"),
        "{out}"
    );

    // A targets file: comments and blank lines skipped, a bad line named with its number.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("servers.txt");
    std::fs::write(
        &file,
        format!("# mail\nsmtp://127.0.0.1:{smtp}\n\nimap://x\n"),
    )
    .unwrap();
    let o = run(pbkit()
        .args(["preflight", "outgoing", "--targets"])
        .arg(&file));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).lines().next().unwrap(),
        format!(
            "pbkit: {}:4: \"imap://x\" is not HOST or HOST:PORT",
            file.display()
        )
    );
}

/// A server sending a 50-certificate chain (the path's CAs over and over): the probe ends
/// in seconds and names each repeat (45) and each link out of order (12).
#[test]
fn tls_probe_of_a_50_certificate_chain_is_bounded() {
    let _ports = one_at_a_time();
    let (tmp, chain) = full_chain();
    let four = std::fs::read(&chain).unwrap();
    let many = tmp.path().join("many.pem");
    let mut pem = Vec::new();
    for _ in 0..12 {
        pem.extend(&four);
    }
    pem.extend(std::fs::read(generated_pki().join("ca/dod-sw-ca-66.pem")).unwrap());
    std::fs::write(&many, pem).unwrap();
    let server = s_server(&["-cert_chain", many.to_str().unwrap()]);
    let start = Instant::now();
    let o = probe(&server, Some("mdm.pbkit.test"), &[]);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("chain as sent: 50 certificates, 57 problems"),
        "{out}"
    );
    assert!(
        out.contains("  problem: #49 Test DOD SW CA-66 is sent twice\n"),
        "{out}"
    );
}

/// A CRL distribution point answering 10 MB that is no CRL: one line, in bounded time.
#[test]
fn revocation_of_a_10_mb_answer_is_one_line() {
    let _ports = one_at_a_time();
    let p = published(&now_rfc3339(0));
    std::fs::write(
        p.dir.path().join("crl/dod-sw-ca-66.crl"),
        vec![0u8; 10 << 20],
    )
    .unwrap();
    let start = Instant::now();
    let o = revocation(&p, "server/mdm-server.pem");
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("dod-sw-ca-66.crl]: PROBLEM: not a CRL (10485760 bytes)\n"),
        "{}",
        stdout(&o)
    );
}
