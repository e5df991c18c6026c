//! Any text as a profile spec: parsed and built (no files: file payloads fail cleanly).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pbkit_profile::{BuildContext, Spec};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(spec) = Spec::parse(text, "fuzz.toml") {
        let ctx = BuildContext { base: "/nonexistent".into(), ..BuildContext::default() };
        if let Ok(p) = spec.build("fuzz.toml", &ctx) {
            let _ = p.to_xml();
        }
    }
});
