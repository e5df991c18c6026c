//! pbkit's end-to-end tests, one binary (ripgrep's layout): the test PKI they share is
//! generated once per run, not once per file. The interop tests stay binaries of their
//! own, named after the independent implementation they check pbkit against:
//! `openssl.rs`, `python.rs`, `keytool.rs`, `p12_crate.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

mod common;

mod bad_input;
mod chain;
mod cli;
mod ddm;
mod demo;
mod docs;
mod flags;
mod fuzz_checks;
mod hostile;
mod hostile_jamf;
mod hostile_surfaces;
mod jamf;
mod keyshare;
mod peers;
mod preflight;
mod profile;
mod rollout;
