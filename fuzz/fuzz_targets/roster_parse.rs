//! Any bytes as a roster: every record is a row or a row error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pbkit_rollout::Row;

fuzz_target!(|data: &[u8]| {
    let mut reader = csv::Reader::from_reader(data);
    let Ok(headers) = reader.headers().cloned() else { return };
    for record in reader.records().take(1000) {
        if let Ok(r) = record {
            let _ = r.deserialize::<Row>(Some(&headers));
        }
    }
});
