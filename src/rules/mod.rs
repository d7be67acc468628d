//! The Rhai host: the rules analysts write for a network agreement (transition budget, waterbed
//! leak, shared savings, ...) run here, sandboxed, over whole batches of runs at once.
//!
//! - [`batch`]: the [`Batch`] value a rule sees for every per-run quantity, and its
//!   element-wise operators and functions;
//! - [`engine`]: one sandboxed engine per thread, rule files compiled once, hooks called by
//!   name;
//! - [`diagnostics`]: [`RuleError`], which names the file, line, column, hook, run and year;
//! - [`host`]: the rules of a scenario as the simulator runs them, and the API scripts call;
//! - [`resolve`]: what `kloof check` finds in a rule without running it (unknown functions,
//!   missing parameters, unprintable event and fund names);
//! - [`testing`]: the YAML rule tests of `kloof test-rules`, on disk or embedded.
//!
//! Why batches: calling Rhai once per run and year was ~850x slower than Rust, once per year
//! over a batch of runs ~2x (`shared/notes/rhai-performance.md`).

pub mod batch;
pub mod diagnostics;
pub mod engine;
pub mod host;
pub mod limits;
pub mod resolve;
pub mod testing;

pub use batch::{Batch, to_batch};
pub use diagnostics::RuleError;
pub use engine::{CompiledRule, HOOKS, call_hook, compile, new_engine};
pub use host::{LIBRARY, RuleSet};
