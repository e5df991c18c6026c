//! One JSON Lines shape for every bulk and verdict command (`rollout`, `jamf push`,
//! `profile verify`) with `--json`: an object per item, then one summary.
//!
//! ```text
//! {"status":"ok","item":"alice", …the item's own fields}
//! {"status":"failed","item":"line 9","reason":"nope.p12: no such file or folder", …}
//! {"summary":{"items":2,"ok":1,"failed":1,"skipped":0}, …the command's extras}
//! ```
//!
//! `status` is `ok`, `failed`, `skipped` or a dry run's `would-…` (`would-write`,
//! `would-create`, `would-update`); the summary counts items by the same words, so a
//! script reads every command alike.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::out::outln;

/// The items of one command: printed as they end (with `--json`), counted for the summary.
pub struct Lines {
    json: bool,
    counts: Mutex<BTreeMap<String, usize>>,
}

impl Lines {
    /// Lines printed only when `json`; counted always.
    pub fn new(json: bool) -> Lines {
        let counts = ["ok", "failed", "skipped"]
            .map(|s| (s.to_string(), 0))
            .into_iter()
            .collect();
        Lines {
            json,
            counts: Mutex::new(counts),
        }
    }

    /// One item ended: `fields` (an object) with `status` and `item` set.
    pub fn item(&self, status: &str, item: &str, fields: &impl Serialize) {
        *self
            .counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(status.to_string())
            .or_default() += 1;
        if !self.json {
            return;
        }
        // status and item first, then the item's fields (their own `status`, if any, is
        // this one).
        let mut object = Map::new();
        object.insert("status".into(), status.into());
        object.insert("item".into(), item.into());
        if let Ok(Value::Object(fields)) = serde_json::to_value(fields) {
            for (key, value) in fields {
                if key != "status" && key != "item" {
                    object.insert(key, value);
                }
            }
        }
        outln!("{}", Value::Object(object));
    }

    /// The last line: `{"summary": {"items": N, <status>: N, …}, …extras}`.
    pub fn summary(self, extras: Value) {
        if !self.json {
            return;
        }
        let mut counts = self.counts.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut summary = Map::new();
        summary.insert("items".into(), counts.values().sum::<usize>().into());
        // ok, failed, skipped, then a dry run's would-… words.
        for word in ["ok", "failed", "skipped"] {
            summary.insert(word.into(), counts.remove(word).unwrap_or(0).into());
        }
        for (word, n) in counts {
            summary.insert(word, n.into());
        }
        let mut line = Map::new();
        line.insert("summary".into(), Value::Object(summary));
        if let Value::Object(extras) = extras {
            line.extend(extras);
        }
        outln!("{}", Value::Object(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_the_summary_keys() {
        let lines = Lines::new(false);
        lines.item("ok", "a", &());
        lines.item("would-write", "b", &());
        let counts = lines.counts.lock().unwrap().clone();
        assert_eq!(
            counts.into_iter().collect::<Vec<_>>(),
            [
                ("failed".to_string(), 0),
                ("ok".to_string(), 1),
                ("skipped".to_string(), 0),
                ("would-write".to_string(), 1)
            ]
        );
    }
}
