//! The limits every rule runs within: operations, call depth, sizes, and the batch values a
//! thread may hold. Below the engine that applies them, the batch API that counts batch values
//! and the diagnostics that explain them, so that none of the three imports another for them.

/// Operations one hook call may run before it is stopped. An operation is one statement or
/// expression node, whatever the batch size, so the limit is deterministic (never wall-clock).
/// Real rules use hundreds to thousands per call. Measured (2 cores, rhai at opt-level 2):
/// `loop {}` stops after ~2 ms, `loop { x += 1 }` on an integer after ~50 ms, and a loop doing
/// batch arithmetic on 10,000 runs after ~0.7 s in a release build (10-40 s in an unoptimised
/// test build, where the batch kernels are not optimised).
pub const MAX_OPERATIONS: u64 = 1_000_000;

/// Nesting of script function calls; deeper recursion is an error instead of a stack overflow.
pub const MAX_CALL_LEVELS: usize = 32;

/// Nesting of expressions at top level and inside functions; deeper is a compile error instead
/// of a stack overflow in the parser.
pub const MAX_EXPR_DEPTH: usize = 64;

/// Nesting of expressions inside function bodies (see [`MAX_EXPR_DEPTH`]).
pub const MAX_FUNCTION_EXPR_DEPTH: usize = 32;

/// Longest string a rule may build, in characters.
pub const MAX_STRING_SIZE: usize = 10_000;

/// Most items an array may hold (arrays hold partners or years, never runs).
pub const MAX_ARRAY_SIZE: usize = 10_000;

/// Most entries an object map may hold.
pub const MAX_MAP_SIZE: usize = 10_000;

/// Most batch values that may exist at once on a thread before a script may create no more:
/// the state `s` the host builds (a few dozen to a few hundred, by the number of domains and
/// financiers), what the rules `remember`, and every batch a script holds in variables,
/// arrays and maps. Checked where scripts create batches (operators, functions, `balance`),
/// so the error points at the line and column of the operation that went past it.
///
/// Why a limit of its own: the limits above count a batch as one item or entry, however many
/// runs it holds, so a five-line rule filling an array with batches reached 3.8 GB (issue 8,
/// item 4). At the simulator's 2,048 runs a batch this bounds what rules hold to about
/// 80 MB per thread. It counts values, not bytes, so a rule that fails in a batch of 2,048
/// runs fails on each run alone too and the error can name the run. The shipped rules stay
/// below 300 on the national scenario.
pub const MAX_BATCH_VALUES: usize = 5_000;
