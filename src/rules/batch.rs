//! Batch values: one per-run quantity across the whole batch of runs, written like a number.
//!
//! The simulator advances a batch of runs (thousands at a time) one year at a time and calls the
//! rules once per year for the whole batch, not once per run: calling Rhai per run-year was
//! ~850x slower than Rust, per batch ~2x (`shared/notes/rhai-performance.md`). A rule therefore
//! sees `demand`, `capacity`, ... as a [`Batch`], and every operator and function here works
//! element-wise, so `gap = max(demand - capacity, 0)` reads exactly as it would for one run.
//!
//! Rules for the registered API (the names are a public interface for analysts):
//! - every operator and function accepts a [`Batch`], a float or an integer wherever it takes a
//!   number (analysts write `0`, not `0.0`), and scalars broadcast over the runs;
//! - comparisons and `and`/`or`/`not` give a *mask*: a [`Batch`] of 1.0 (true) and 0.0 (false),
//!   used with `if_else(mask, a, b)` like a spreadsheet IF; a non-zero element counts as true;
//! - there are deliberately **no reductions across runs** (no mean, total, count or length of a
//!   batch): every run must be computed from its own draws only, or results would depend on how
//!   many runs share a batch (and on how the simulator chunks them);
//! - two batches of different lengths cannot be combined: that is an error, never a panic.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::Arc;

use rhai::{Array, Dynamic, EvalAltResult, FuncRegistration, INT, Module, Position};

use super::limits::MAX_BATCH_VALUES;

/// Rhai type name of [`Batch`], as analysts see it in `type_of(x)` and in error messages.
pub const TYPE_NAME: &str = "Batch";

/// How many values [`Batch`]'s `to_string` shows before eliding the rest.
const SHOWN_VALUES: usize = 8;

thread_local! {
    /// How many batch buffers ([`Values`]) exist on this thread right now. A batch of runs is
    /// simulated on one thread from start to end (the simulator never splits a batch across
    /// threads), so this is what the rules of that batch hold, plus the state `s` the host
    /// hands them. The engine stops a hook that pushes it past
    /// [`super::limits::MAX_BATCH_VALUES`].
    static LIVE_VALUES: Cell<usize> = const { Cell::new(0) };
}

thread_local! {
    /// Buffers of batch values dropped on this thread, kept for the next batch a script or the
    /// host creates. A hook creates and drops hundreds of batches of the same length; through
    /// glibc malloc each cost an allocation and a free (and, above its trim threshold, pages
    /// returned to the OS and faulted in again: pitfall 2 in the notes). Profiled at 512 runs,
    /// malloc and free were a sixth of a hook's time before this pool.
    static SPARE: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
}

/// Most buffers [`SPARE`] keeps: more than a hook holds at once in the shipped rules, and at
/// 2,048 runs 1 MB a thread.
const MAX_SPARE: usize = 64;

/// An empty buffer, with room for `len` values when a spare one of that size was left.
fn spare(len: usize) -> Vec<f64> {
    SPARE
        .try_with(|s| s.borrow_mut().pop())
        .ok()
        .flatten()
        .map(|mut v| {
            v.clear();
            v.reserve(len);
            v
        })
        .unwrap_or_else(|| Vec::with_capacity(len))
}

/// `values` as a new buffer, taken from the spare ones when there is one.
pub fn copied(values: &[f64]) -> Vec<f64> {
    let mut v = spare(values.len());
    v.extend_from_slice(values);
    v
}

/// How many batch buffers exist on this thread: created and not yet dropped.
pub fn live_values() -> usize {
    LIVE_VALUES.with(Cell::get)
}

/// The runtime error a script gets when it would pass [`MAX_BATCH_VALUES`]; the diagnostics
/// recognise it and explain the limit.
pub const HELD_AT_ONCE: &str = "kloof: too many batch values held at once";

/// The error for a script that would create a batch past the limit. A runtime error rather
/// than Rhai's "data too large", because Rhai drops the position of its own limit errors and
/// places a runtime error at the operation or call that failed.
fn too_many_values() -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(HELD_AT_ONCE.into(), Position::NONE).into()
}

/// A new buffer for a batch a script creates, refused once [`MAX_BATCH_VALUES`] exist on the
/// thread.
fn fresh(values: Values) -> RhaiResultOf<Arc<Values>> {
    if live_values() > MAX_BATCH_VALUES {
        return Err(too_many_values());
    }
    Ok(Arc::new(values))
}

/// A batch a host function creates for a script (`balance`, `net_paid`), under the same
/// limit as the batches scripts compute.
pub fn checked(values: Values) -> RhaiResultOf<Batch> {
    fresh(values).map(Batch)
}

/// The buffer of `target` to write in place, copied first when it is shared (and then under
/// the limit, like any new batch).
fn own_mut(target: &mut Batch) -> RhaiResultOf<&mut Values> {
    if Arc::get_mut(&mut target.0).is_none() && live_values() >= MAX_BATCH_VALUES {
        return Err(too_many_values());
    }
    Ok(Arc::make_mut(&mut target.0))
}

/// The per-run values behind a [`Batch`], counted while they exist.
///
/// Why counted: Rhai's own size limits see a batch as one item, so an array of 10,000
/// batches of 2,048 runs passed them while holding 160 MB, and a five-line rule reached
/// gigabytes (issue 8, item 4). Counting buffers rather than bytes keeps the limit the same
/// whatever the batch size, so a rule that fails in a batch also fails on the run alone.
#[derive(Debug, PartialEq)]
pub struct Values(Vec<f64>);

impl Values {
    fn new(values: Vec<f64>) -> Self {
        LIVE_VALUES.with(|n| n.set(n.get() + 1));
        Self(values)
    }
}

impl Drop for Values {
    fn drop(&mut self) {
        LIVE_VALUES.with(|n| n.set(n.get().saturating_sub(1)));
        if self.0.capacity() > 0 {
            let buffer = std::mem::take(&mut self.0);
            // Not while the thread is ending: the spare buffers may be gone already.
            let _ = SPARE.try_with(|s| {
                let mut s = s.borrow_mut();
                if s.len() < MAX_SPARE {
                    s.push(buffer);
                }
            });
        }
    }
}

/// A copy is a second buffer, counted as such (`Arc::make_mut` copies a shared batch).
impl Clone for Values {
    fn clone(&self) -> Self {
        Self::new(copied(&self.0))
    }
}

impl std::ops::Deref for Values {
    type Target = Vec<f64>;
    fn deref(&self) -> &Vec<f64> {
        &self.0
    }
}

impl std::ops::DerefMut for Values {
    fn deref_mut(&mut self) -> &mut Vec<f64> {
        &mut self.0
    }
}

impl FromIterator<f64> for Values {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut v = spare(iter.size_hint().0);
        v.extend(iter);
        Self::new(v)
    }
}

/// One per-run quantity for every run of a batch, element `i` belonging to run `i`.
///
/// Wrapped in an [`Arc`] because Rhai clones every argument it passes by value: cloning a batch
/// must cost a reference count, not a copy of thousands of floats (pitfall 1 in the notes).
/// Operators that own a batch nobody else holds reuse its buffer; `+=` and friends write in place
/// through [`Arc::make_mut`], copying only when the value is shared.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch(Arc<Values>);

impl Batch {
    /// A batch of `len` runs that all hold `value`, e.g. a scenario parameter handed to a rule.
    pub fn splat(len: usize, value: f64) -> Self {
        let mut v = spare(len);
        v.resize(len, value);
        Self::from_vec(v)
    }

    /// A batch holding a copy of `values`.
    pub fn from_slice(values: &[f64]) -> Self {
        Self::from_vec(copied(values))
    }

    /// A batch from per-run values, run `i` at index `i`.
    pub fn from_vec(values: Vec<f64>) -> Self {
        Self(Arc::new(Values::new(values)))
    }

    /// The per-run values, for the Rust side (scripts cannot index or measure a batch).
    pub fn as_slice(&self) -> &[f64] {
        &self.0
    }

    /// The number of runs, for the Rust side only (deliberately not registered for scripts).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the batch holds no runs at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The per-run values, without a copy when this is the only handle on them.
    pub fn into_vec(self) -> Vec<f64> {
        match Arc::try_unwrap(self.0) {
            Ok(mut own) => std::mem::take(&mut own.0),
            Err(shared) => copied(&shared.0),
        }
    }
}

impl From<Values> for Batch {
    fn from(values: Values) -> Self {
        Self(Arc::new(values))
    }
}

impl From<Vec<f64>> for Batch {
    fn from(values: Vec<f64>) -> Self {
        Self::from_vec(values)
    }
}

/// Shows at most `SHOWN_VALUES` values, so an error message or a debug print of a batch of
/// 10,000 runs stays one readable line.
impl fmt::Display for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Batch[")?;
        for (i, value) in self.0.iter().take(SHOWN_VALUES).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{value:?}")?;
        }
        if self.0.len() > SHOWN_VALUES {
            f.write_str(", …")?;
        }
        f.write_str("]")
    }
}

/// Turns what a rule returned into a batch of `len` runs: a [`Batch`] as is (if its length is
/// right), a float or an integer broadcast to every run, a `bool` as a mask of 1.0 or 0.0. The error says what came back instead,
/// ready to be wrapped in a [`super::RuleError`] that names the file and hook.
pub fn to_batch(value: &Dynamic, len: usize) -> Result<Batch, String> {
    if value.is::<Batch>() {
        let batch = value
            .clone()
            .try_cast::<Batch>()
            .ok_or_else(|| "could not read the returned Batch".to_string())?;
        if batch.len() != len {
            return Err(format!(
                "the rule returned a Batch over {} runs where {len} were expected",
                batch.len()
            ));
        }
        return Ok(batch);
    }
    if let Ok(x) = value.as_float() {
        return Ok(Batch::splat(len, x));
    }
    if let Ok(n) = value.as_int() {
        return Ok(Batch::splat(len, n as f64));
    }
    // A condition on plain numbers (`year > 2027`) is a `bool`: the mask of all or no runs.
    if let Ok(b) = value.as_bool() {
        return Ok(Batch::splat(len, if b { 1.0 } else { 0.0 }));
    }
    if value.is_unit() {
        return Err(
            "expected a number or a Batch, but the rule returned nothing (`()`): \
                    does the function end with the value, without a `;` after it?"
                .to_string(),
        );
    }
    Err(format!(
        "expected a number or a Batch, but the rule returned a value of type {}",
        value.type_name()
    ))
}

// ---------------------------------------------------------------------------------------------
// Element-wise kernels

/// What a registered function returns: a value, or an error Rhai places at the call site.
type RhaiResultOf<T> = Result<T, Box<EvalAltResult>>;

/// An argument after conversion: a batch, or a scalar that broadcasts over every run.
enum Arg {
    Runs(Arc<Values>),
    Scalar(f64),
}

impl Arg {
    /// Value for run `i`; scalars broadcast.
    #[inline(always)]
    fn at(&self, i: usize) -> f64 {
        match self {
            Arg::Runs(values) => values[i],
            Arg::Scalar(x) => *x,
        }
    }

    /// A batch stays a batch, a scalar becomes a float.
    fn into_dynamic(self) -> Dynamic {
        match self {
            Arg::Runs(values) => Dynamic::from(Batch(values)),
            Arg::Scalar(x) => Dynamic::from_float(x),
        }
    }

    /// A scalar result of a logical function on scalars stays a `bool`, so `if and(a, b) {}`
    /// works on plain numbers as it would in any Rhai script.
    fn into_dynamic_flag(self) -> Dynamic {
        match self {
            Arg::Runs(values) => Dynamic::from(Batch(values)),
            Arg::Scalar(x) => Dynamic::from_bool(x != 0.0),
        }
    }
}

/// A value a registered function accepts where it takes a number (or, for `bool`, a condition).
trait Operand: Clone + Send + Sync + 'static {
    fn into_arg(self) -> Arg;
}

impl Operand for Batch {
    #[inline(always)]
    fn into_arg(self) -> Arg {
        Arg::Runs(self.0)
    }
}

impl Operand for f64 {
    #[inline(always)]
    fn into_arg(self) -> Arg {
        Arg::Scalar(self)
    }
}

impl Operand for INT {
    #[inline(always)]
    fn into_arg(self) -> Arg {
        Arg::Scalar(self as f64)
    }
}

impl Operand for bool {
    #[inline(always)]
    fn into_arg(self) -> Arg {
        Arg::Scalar(if self { 1.0 } else { 0.0 })
    }
}

/// The error for combining batches of different lengths. It cannot come from a rule alone
/// (scripts cannot build batches), so it points at the host.
/// Refuses a condition (of `if_else`, `and`, `or`, `not`) that is not true or false in some
/// run: NaN or 2 read as true decided for the rule without its writer knowing.
fn check_condition(c: &Arg, what: &str) -> RhaiResultOf<()> {
    let bad = match c {
        Arg::Scalar(x) => (*x != 0.0 && *x != 1.0).then_some(*x),
        Arg::Runs(values) => values.iter().copied().find(|x| *x != 0.0 && *x != 1.0),
    };
    match bad {
        None => Ok(()),
        Some(x) => Err(EvalAltResult::ErrorRuntime(
            format!(
                "{what}: a condition is {x}; a condition is true or false (a comparison such as \
                 `s.savings > 0`, or and/or/not of comparisons), not a number"
            )
            .into(),
            Position::NONE,
        )
        .into()),
    }
}

fn length_mismatch(a: usize, b: usize) -> Box<EvalAltResult> {
    EvalAltResult::ErrorArithmetic(
        format!(
            "cannot combine batch values over different numbers of runs ({a} and {b}); \
             this is a bug in kloof, not in the rule"
        ),
        Position::NONE,
    )
    .into()
}

/// `f` applied run by run to two arguments. A batch that nobody else holds (a temporary such as
/// `(a - b)` in `(a - b) * 0.5`) is overwritten instead of allocating a new one.
///
/// `f` is a generic closure, not a function pointer, so each operator gets its own inlined,
/// vectorisable loop.
#[inline(always)]
fn zip_with<F: Fn(f64, f64) -> f64>(a: Arg, b: Arg, f: F) -> RhaiResultOf<Arg> {
    Ok(match (a, b) {
        (Arg::Scalar(x), Arg::Scalar(y)) => Arg::Scalar(f(x, y)),
        (Arg::Runs(mut xs), Arg::Scalar(y)) => {
            if let Some(values) = Arc::get_mut(&mut xs) {
                values.iter_mut().for_each(|x| *x = f(*x, y));
                Arg::Runs(xs)
            } else {
                Arg::Runs(fresh(xs.iter().map(|&x| f(x, y)).collect())?)
            }
        }
        (Arg::Scalar(x), Arg::Runs(mut ys)) => {
            if let Some(values) = Arc::get_mut(&mut ys) {
                values.iter_mut().for_each(|y| *y = f(x, *y));
                Arg::Runs(ys)
            } else {
                Arg::Runs(fresh(ys.iter().map(|&y| f(x, y)).collect())?)
            }
        }
        (Arg::Runs(mut xs), Arg::Runs(mut ys)) => {
            if xs.len() != ys.len() {
                return Err(length_mismatch(xs.len(), ys.len()));
            }
            if let Some(values) = Arc::get_mut(&mut xs) {
                values
                    .iter_mut()
                    .zip(ys.iter())
                    .for_each(|(x, &y)| *x = f(*x, y));
                Arg::Runs(xs)
            } else if let Some(values) = Arc::get_mut(&mut ys) {
                values
                    .iter_mut()
                    .zip(xs.iter())
                    .for_each(|(y, &x)| *y = f(x, *y));
                Arg::Runs(ys)
            } else {
                Arg::Runs(fresh(
                    xs.iter().zip(ys.iter()).map(|(&x, &y)| f(x, y)).collect(),
                )?)
            }
        }
    })
}

/// `f` applied run by run to one argument, in place when the batch is not shared.
#[inline(always)]
fn map_with<F: Fn(f64) -> f64>(a: Arg, f: F) -> RhaiResultOf<Arg> {
    Ok(match a {
        Arg::Scalar(x) => Arg::Scalar(f(x)),
        Arg::Runs(mut xs) => {
            if let Some(values) = Arc::get_mut(&mut xs) {
                values.iter_mut().for_each(|x| *x = f(*x));
                Arg::Runs(xs)
            } else {
                Arg::Runs(fresh(xs.iter().map(|&x| f(x)).collect())?)
            }
        }
    })
}

/// `f` applied run by run to three arguments (`if_else`, `clamp`); a batch if any is one.
fn zip3_with<F: Fn(f64, f64, f64) -> f64>(a: Arg, b: Arg, c: Arg, f: F) -> RhaiResultOf<Arg> {
    let mut len = None;
    for arg in [&a, &b, &c] {
        if let Arg::Runs(values) = arg {
            match len {
                None => len = Some(values.len()),
                Some(n) if n != values.len() => return Err(length_mismatch(n, values.len())),
                Some(_) => {}
            }
        }
    }
    Ok(match len {
        None => Arg::Scalar(f(a.at(0), b.at(0), c.at(0))),
        Some(n) => Arg::Runs(fresh(
            (0..n).map(|i| f(a.at(i), b.at(i), c.at(i))).collect(),
        )?),
    })
}

/// `target op= value`, writing into `target` (copying first only if the batch is shared).
#[inline(always)]
fn assign_with<F: Fn(f64, f64) -> f64>(target: &mut Batch, value: Arg, f: F) -> RhaiResultOf<()> {
    match value {
        Arg::Scalar(y) => own_mut(target)?.iter_mut().for_each(|x| *x = f(*x, y)),
        Arg::Runs(ys) => {
            if target.len() != ys.len() {
                return Err(length_mismatch(target.len(), ys.len()));
            }
            own_mut(target)?
                .iter_mut()
                .zip(ys.iter())
                .for_each(|(x, &y)| *x = f(*x, y));
        }
    }
    Ok(())
}

/// Checks that `c` is a condition: every run's value true (1) or false (0), as comparisons and
/// `and`/`or`/`not` give. A number where a rule decides (NaN, 2, -1) is a fault in the rule,
/// not a decision: read as "not zero" it fired events and stopped programmes in every run.
pub fn condition(c: &Batch, what: impl fmt::Display) -> Result<(), String> {
    match c.as_slice().iter().position(|x| *x != 0.0 && *x != 1.0) {
        None => Ok(()),
        Some(b) => Err(format!(
            "{what}: the condition is {} in {}; a condition is true or false (a comparison such \
             as `s.savings > 0`, or and/or/not of comparisons), not a number",
            c.as_slice()[b],
            if c.len() > 1 {
                format!("run {b} of the batch")
            } else {
                "every run".to_string()
            }
        )),
    }
}

/// 1.0 for true, 0.0 for false: the element of a mask.
#[inline(always)]
fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The same `min` as Rhai's own for scalars, so a one-run batch and a number agree even on NaN.
#[inline(always)]
fn min2(x: f64, y: f64) -> f64 {
    if x <= y { x } else { y }
}

/// The same `max` as Rhai's own for scalars.
#[inline(always)]
fn max2(x: f64, y: f64) -> f64 {
    if x >= y { x } else { y }
}

/// Element-wise sum of an array of batches and numbers, e.g. the savings of every partner.
fn sum_array(items: &mut Array) -> RhaiResultOf<Dynamic> {
    let mut runs: Option<Vec<f64>> = None;
    let mut scalar = 0.0;
    for (i, item) in items.iter().enumerate() {
        if item.is::<Batch>() {
            let batch = item.clone().try_cast::<Batch>().ok_or_else(|| {
                Box::<EvalAltResult>::from(format!("sum: could not read element {i}"))
            })?;
            match runs.as_mut() {
                None => runs = Some(batch.into_vec()),
                Some(acc) => {
                    if acc.len() != batch.len() {
                        return Err(length_mismatch(acc.len(), batch.len()));
                    }
                    acc.iter_mut()
                        .zip(batch.as_slice())
                        .for_each(|(a, &b)| *a += b);
                }
            }
        } else if let Ok(x) = item.as_float() {
            scalar += x;
        } else if let Ok(n) = item.as_int() {
            scalar += n as f64;
        } else {
            return Err(EvalAltResult::ErrorMismatchDataType(
                "a number or Batch".into(),
                format!("{} (element {i} of the array)", item.type_name()),
                Position::NONE,
            )
            .into());
        }
    }
    Ok(match runs {
        None => Dynamic::from_float(scalar),
        Some(mut acc) => {
            if scalar != 0.0 {
                acc.iter_mut().for_each(|a| *a += scalar);
            }
            Dynamic::from(checked(Values::new(acc))?)
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Registration

/// Registers `name(A, B)` computing `f` run by run.
fn binary<A: Operand, B: Operand, F>(module: &mut Module, name: &str, f: F)
where
    F: Fn(f64, f64) -> f64 + Copy + Send + Sync + 'static,
{
    FuncRegistration::new(name).set_into_module(module, move |a: A, b: B| {
        zip_with(a.into_arg(), b.into_arg(), f).map(Arg::into_dynamic)
    });
}

/// Registers `name` for every pair of operands that involves at least one batch (pairs of
/// plain numbers keep Rhai's own operators and functions).
fn binary_with_batch<F>(module: &mut Module, name: &str, f: F)
where
    F: Fn(f64, f64) -> f64 + Copy + Send + Sync + 'static,
{
    binary::<Batch, Batch, F>(module, name, f);
    binary::<Batch, f64, F>(module, name, f);
    binary::<Batch, INT, F>(module, name, f);
    binary::<f64, Batch, F>(module, name, f);
    binary::<INT, Batch, F>(module, name, f);
}

/// Registers the in-place `name(&mut Batch, B)` (e.g. `+=`) for a batch, float and integer `B`.
fn compound<F>(module: &mut Module, name: &str, f: F)
where
    F: Fn(f64, f64) -> f64 + Copy + Send + Sync + 'static,
{
    fn one<B: Operand, F>(module: &mut Module, name: &str, f: F)
    where
        F: Fn(f64, f64) -> f64 + Copy + Send + Sync + 'static,
    {
        FuncRegistration::new(name)
            .with_purity(false)
            .set_into_module(module, move |target: &mut Batch, value: B| {
                assign_with(target, value.into_arg(), f)
            });
    }
    one::<Batch, F>(module, name, f);
    one::<f64, F>(module, name, f);
    one::<INT, F>(module, name, f);
}

/// Registers `name(Batch)` computing `f` run by run.
fn unary<F>(module: &mut Module, name: &str, f: F)
where
    F: Fn(f64) -> f64 + Copy + Send + Sync + 'static,
{
    FuncRegistration::new(name).set_into_module(module, move |a: Batch| {
        map_with(a.into_arg(), f).map(Arg::into_dynamic)
    });
}

/// Registers a logical `name(A, B)`; on two `bool`s it returns a `bool`.
fn logical<A: Operand, B: Operand, F>(module: &mut Module, name: &str, f: F)
where
    F: Fn(f64, f64) -> f64 + Copy + Send + Sync + 'static,
{
    let what = name.to_string();
    FuncRegistration::new(name).set_into_module(module, move |a: A, b: B| {
        let (a, b) = (a.into_arg(), b.into_arg());
        check_condition(&a, &what)?;
        check_condition(&b, &what)?;
        zip_with(a, b, f).map(Arg::into_dynamic_flag)
    });
}

/// Registers `if_else(C, A, B)` for one condition type and every pair of branch types.
fn if_else_for<C: Operand>(module: &mut Module) {
    fn one<C: Operand, A: Operand, B: Operand>(module: &mut Module) {
        FuncRegistration::new("if_else").set_into_module(module, |cond: C, a: A, b: B| {
            let cond = cond.into_arg();
            check_condition(&cond, "if_else")?;
            zip3_with(cond, a.into_arg(), b.into_arg(), |c, x, y| {
                if c != 0.0 { x } else { y }
            })
            .map(Arg::into_dynamic)
        });
    }
    fn with_a<C: Operand, A: Operand>(module: &mut Module) {
        one::<C, A, Batch>(module);
        one::<C, A, f64>(module);
        one::<C, A, INT>(module);
    }
    with_a::<C, Batch>(module);
    with_a::<C, f64>(module);
    with_a::<C, INT>(module);
}

/// Registers `clamp(X, LO, HI)` for every combination of batch, float and integer.
fn clamp_all(module: &mut Module) {
    fn one<X: Operand, L: Operand, H: Operand>(module: &mut Module) {
        FuncRegistration::new("clamp").set_into_module(module, |x: X, lo: L, hi: H| {
            zip3_with(x.into_arg(), lo.into_arg(), hi.into_arg(), |x, lo, hi| {
                min2(max2(x, lo), hi)
            })
            .map(Arg::into_dynamic)
        });
    }
    fn with_lo<X: Operand, L: Operand>(module: &mut Module) {
        one::<X, L, Batch>(module);
        one::<X, L, f64>(module);
        one::<X, L, INT>(module);
    }
    fn with_x<X: Operand>(module: &mut Module) {
        with_lo::<X, Batch>(module);
        with_lo::<X, f64>(module);
        with_lo::<X, INT>(module);
    }
    with_x::<Batch>(module);
    with_x::<f64>(module);
    with_x::<INT>(module);
}

/// Registers the batch type and its whole API into `module`.
///
/// Build the module once per thread and share it (see the engine's `new_engine`):
/// registering ~200 overloads costs far more than creating an engine.
pub fn register(module: &mut Module) {
    module.set_custom_type::<Batch>(TYPE_NAME);

    // Arithmetic. Division by zero follows IEEE floats (inf or NaN), as in a spreadsheet
    // without error cells; the simulator checks results for non-finite values.
    binary_with_batch(module, "+", |x, y| x + y);
    binary_with_batch(module, "-", |x, y| x - y);
    binary_with_batch(module, "*", |x, y| x * y);
    binary_with_batch(module, "/", |x, y| x / y);
    compound(module, "+=", |x, y| x + y);
    compound(module, "-=", |x, y| x - y);
    compound(module, "*=", |x, y| x * y);
    compound(module, "/=", |x, y| x / y);
    unary(module, "-", |x| -x);
    unary(module, "+", |x| x);
    unary(module, "abs", f64::abs);

    // Comparisons give masks. Note `==` on a batch is therefore not a `bool`: `if a == b {}`
    // is an error; write `if_else(a == b, ..)`.
    binary_with_batch(module, "<", |x, y| flag(x < y));
    binary_with_batch(module, ">", |x, y| flag(x > y));
    binary_with_batch(module, "<=", |x, y| flag(x <= y));
    binary_with_batch(module, ">=", |x, y| flag(x >= y));
    binary_with_batch(module, "==", |x, y| flag(x == y));
    binary_with_batch(module, "!=", |x, y| flag(x != y));

    // Element-wise functions. Plain numbers keep Rhai's own `min`, `max` and `abs`.
    binary_with_batch(module, "min", min2);
    binary_with_batch(module, "max", max2);
    clamp_all(module);
    if_else_for::<Batch>(module);
    if_else_for::<bool>(module);

    // Logic on masks (and on plain `bool`s, for scripts that also run on scalars).
    let and = |x: f64, y: f64| flag(x != 0.0 && y != 0.0);
    let or = |x: f64, y: f64| flag(x != 0.0 || y != 0.0);
    logical::<Batch, Batch, _>(module, "and", and);
    logical::<Batch, bool, _>(module, "and", and);
    logical::<bool, Batch, _>(module, "and", and);
    logical::<bool, bool, _>(module, "and", and);
    logical::<Batch, Batch, _>(module, "or", or);
    logical::<Batch, bool, _>(module, "or", or);
    logical::<bool, Batch, _>(module, "or", or);
    logical::<bool, bool, _>(module, "or", or);
    FuncRegistration::new("not").set_into_module(module, |a: Batch| {
        let a = a.into_arg();
        check_condition(&a, "not")?;
        map_with(a, |x| flag(x == 0.0)).map(Arg::into_dynamic)
    });
    FuncRegistration::new("not").set_into_module(module, |x: bool| !x);

    // A whole number from a float, refusing what is none (Rhai's own gives 0 for NaN, so a
    // year or a lag computed from a NaN read as year 0 or no lag).
    FuncRegistration::new("to_int").set_into_module(
        module,
        |ctx: rhai::NativeCallContext, x: f64| -> Result<INT, Box<EvalAltResult>> {
            if x.is_finite() && x.abs() < 9.0e15 {
                Ok(x.trunc() as INT)
            } else {
                Err(Box::new(EvalAltResult::ErrorRuntime(
                    format!("to_int({x}): not a whole number a rule can count with").into(),
                    ctx.call_position(),
                )))
            }
        },
    );

    // Sum over an array, e.g. `sum([savings_a, savings_b, 1])`: element-wise, never across runs.
    FuncRegistration::new("sum").set_into_module(module, sum_array);

    // Readable in error messages, `print` (routed nowhere) and string interpolation.
    FuncRegistration::new("to_string").set_into_module(module, |b: &mut Batch| b.to_string());
    FuncRegistration::new("to_debug").set_into_module(module, |b: &mut Batch| b.to_string());
}

/// A fresh module holding the batch API, ready for `Engine::register_global_module`.
pub fn module() -> Module {
    let mut module = Module::new();
    register(&mut module);
    module.build_index();
    module
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::new_engine;
    use rhai::{Engine, Scope};

    /// Evaluates `script` with `a = [1, 2, 3]`, `b = [10, 20, 30]`, `c = [3, 2, 1]` as batches.
    fn eval(script: &str) -> Result<Dynamic, Box<EvalAltResult>> {
        eval_with(
            &new_engine(),
            script,
            &[1.0, 2.0, 3.0],
            &[10.0, 20.0, 30.0],
            &[3.0, 2.0, 1.0],
        )
    }

    fn eval_with(
        engine: &Engine,
        script: &str,
        a: &[f64],
        b: &[f64],
        c: &[f64],
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let mut scope = Scope::new();
        scope.push("a", Batch::from_vec(a.to_vec()));
        scope.push("b", Batch::from_vec(b.to_vec()));
        scope.push("c", Batch::from_vec(c.to_vec()));
        engine.eval_with_scope::<Dynamic>(&mut scope, script)
    }

    /// The per-run values of a script result that must be a batch.
    fn runs(script: &str) -> Vec<f64> {
        let value = eval(script).unwrap_or_else(|e| panic!("{script}: {e}"));
        assert!(
            value.is::<Batch>(),
            "{script}: expected a Batch, got {}",
            value.type_name()
        );
        value.cast::<Batch>().into_vec()
    }

    fn check(script: &str, expected: &[f64]) {
        assert_eq!(runs(script), expected, "{script}");
    }

    #[test]
    fn conditions_of_the_logic_api_are_true_or_false() {
        for bad in [
            "if_else(a, 1, 2)",
            "and(a > 1, b)",
            "or(b, a > 1)",
            "not(a)",
        ] {
            let err = eval(bad).expect_err(bad).to_string();
            assert!(err.contains("a condition is"), "{bad}: {err}");
        }
        for fine in ["if_else(a > 1, 1, 2)", "and(a > 1, b > 10)", "not(a > 2)"] {
            assert!(eval(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn to_int_refuses_what_is_not_a_whole_number() {
        let engine = new_engine();
        assert_eq!(engine.eval::<INT>("to_int(2.7)").expect("to_int"), 2);
        assert_eq!(engine.eval::<INT>("to_int(-2.7)").expect("to_int"), -2);
        for bad in ["to_int(0.0 / 0.0)", "to_int(1.0 / 0.0)", "to_int(1e300)"] {
            let err = engine.eval::<INT>(bad).expect_err(bad).to_string();
            assert!(err.contains("not a whole number"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_condition_is_true_or_false() {
        assert!(condition(&Batch::splat(3, 1.0), "event `x`").is_ok());
        assert!(condition(&Batch::splat(3, 0.0), "event `x`").is_ok());
        for bad in [f64::NAN, 2.0, -1.0, 0.5] {
            let err = condition(&Batch::splat(3, bad), "event `x`").expect_err("refused");
            assert!(err.contains("the condition is"), "{err}");
        }
    }

    #[test]
    fn arithmetic_with_batches_floats_and_integers() {
        check("a + 1", &[2.0, 3.0, 4.0]);
        check("1 + a", &[2.0, 3.0, 4.0]);
        check("a + 0.5", &[1.5, 2.5, 3.5]);
        check("0.5 + a", &[1.5, 2.5, 3.5]);
        check("a + b", &[11.0, 22.0, 33.0]);
        check("b - a", &[9.0, 18.0, 27.0]);
        check("a - 1", &[0.0, 1.0, 2.0]);
        check("10 - a", &[9.0, 8.0, 7.0]);
        check("a - 0.5", &[0.5, 1.5, 2.5]);
        check("4.0 - a", &[3.0, 2.0, 1.0]);
        check("a * b", &[10.0, 40.0, 90.0]);
        check("a * 2", &[2.0, 4.0, 6.0]);
        check("2 * a", &[2.0, 4.0, 6.0]);
        check("a * 0.5", &[0.5, 1.0, 1.5]);
        check("0.5 * a", &[0.5, 1.0, 1.5]);
        check("b / a", &[10.0, 10.0, 10.0]);
        check("a / 2", &[0.5, 1.0, 1.5]);
        check("6 / a", &[6.0, 3.0, 2.0]);
        check("a / 0.5", &[2.0, 4.0, 6.0]);
        check("3.0 / a", &[3.0, 1.5, 1.0]);
        check("-a", &[-1.0, -2.0, -3.0]);
        check("+a", &[1.0, 2.0, 3.0]);
        check("(a - b) * 0.5 + c", &[-1.5, -7.0, -12.5]);
    }

    #[test]
    fn division_by_zero_follows_floats() {
        let v = runs("a / 0");
        assert!(v.iter().all(|x| x.is_infinite() && *x > 0.0));
        assert!(runs("(a - a) / 0")[0].is_nan());
    }

    #[test]
    fn compound_assignment_in_place_and_without_touching_copies() {
        check("let x = a; x += 1; x", &[2.0, 3.0, 4.0]);
        check("let x = a; x += 1; a", &[1.0, 2.0, 3.0]);
        check("let x = a; x += b; x", &[11.0, 22.0, 33.0]);
        check("let x = a; x += 0.5; x", &[1.5, 2.5, 3.5]);
        check("let x = b; x -= a; x", &[9.0, 18.0, 27.0]);
        check("let x = a; x -= 1; x", &[0.0, 1.0, 2.0]);
        check("let x = a; x -= 0.5; x", &[0.5, 1.5, 2.5]);
        check("let x = a; x *= b; x", &[10.0, 40.0, 90.0]);
        check("let x = a; x *= 2; x", &[2.0, 4.0, 6.0]);
        check("let x = a; x *= 0.5; x", &[0.5, 1.0, 1.5]);
        check("let x = b; x /= a; x", &[10.0, 10.0, 10.0]);
        check("let x = a; x /= 2; x", &[0.5, 1.0, 1.5]);
        check("let x = a; x /= 0.5; x", &[2.0, 4.0, 6.0]);
        // A temporary is reused, the variables it came from are not changed.
        check("let t = a + b; let u = t * 2; t", &[11.0, 22.0, 33.0]);
        check("let y = (a + b) * 2; a + b", &[11.0, 22.0, 33.0]);
    }

    #[test]
    fn comparisons_give_masks() {
        check("a < 2", &[1.0, 0.0, 0.0]);
        check("a > 2", &[0.0, 0.0, 1.0]);
        check("a <= 2", &[1.0, 1.0, 0.0]);
        check("a >= 2", &[0.0, 1.0, 1.0]);
        check("a == 2", &[0.0, 1.0, 0.0]);
        check("a != 2", &[1.0, 0.0, 1.0]);
        check("a < 2.5", &[1.0, 1.0, 0.0]);
        check("2 < a", &[0.0, 0.0, 1.0]);
        check("2.5 > a", &[1.0, 1.0, 0.0]);
        check("1 >= a", &[1.0, 0.0, 0.0]);
        check("2.0 <= a", &[0.0, 1.0, 1.0]);
        check("2 == a", &[0.0, 1.0, 0.0]);
        check("2.0 != a", &[1.0, 0.0, 1.0]);
        check("a < c", &[1.0, 0.0, 0.0]);
        check("a > c", &[0.0, 0.0, 1.0]);
        check("a <= c", &[1.0, 1.0, 0.0]);
        check("a >= c", &[0.0, 1.0, 1.0]);
        check("a == c", &[0.0, 1.0, 0.0]);
        check("a != c", &[1.0, 0.0, 1.0]);
    }

    #[test]
    fn if_else_like_a_spreadsheet_if() {
        check("if_else(a > 2, a, 0)", &[0.0, 0.0, 3.0]);
        check("if_else(a > 1, b, c)", &[3.0, 20.0, 30.0]);
        check("if_else(a > 1, 1.5, c)", &[3.0, 1.5, 1.5]);
        check("if_else(a > 1, 7, 0.5)", &[0.5, 7.0, 7.0]);
        check("if_else(true, a, 0)", &[1.0, 2.0, 3.0]);
        // A scalar branch chosen by a plain bool still gives a batch when the other is one.
        check("if_else(false, a, 0)", &[0.0, 0.0, 0.0]);
        assert_eq!(eval("if_else(true, 1, 2.5)").unwrap().as_float(), Ok(1.0));
        assert_eq!(eval("if_else(1 > 2, 1, 2)").unwrap().as_float(), Ok(2.0));
    }

    #[test]
    fn min_max_clamp_abs() {
        check("max(a, 2)", &[2.0, 2.0, 3.0]);
        check("max(a, 0)", &[1.0, 2.0, 3.0]);
        check("max(2.5, a)", &[2.5, 2.5, 3.0]);
        check("max(a, c)", &[3.0, 2.0, 3.0]);
        check("min(a, 2)", &[1.0, 2.0, 2.0]);
        check("min(2, a)", &[1.0, 2.0, 2.0]);
        check("min(a, 1.5)", &[1.0, 1.5, 1.5]);
        check("min(a, c)", &[1.0, 2.0, 1.0]);
        check("clamp(a, 2, 2.5)", &[2.0, 2.0, 2.5]);
        check("clamp(b, a, 25)", &[10.0, 20.0, 25.0]);
        check("clamp(5, a, c)", &[3.0, 2.0, 1.0]);
        check("abs(a - 2)", &[1.0, 0.0, 1.0]);
        assert_eq!(eval("clamp(5, 0, 1.5)").unwrap().as_float(), Ok(1.5));
        // Plain numbers keep Rhai's own functions.
        assert_eq!(eval("max(1, 2)").unwrap().as_int(), Ok(2));
        assert_eq!(eval("abs(-2.5)").unwrap().as_float(), Ok(2.5));
    }

    #[test]
    fn logic_on_masks() {
        check("and(a > 1, c > 1)", &[0.0, 1.0, 0.0]);
        check("or(a > 2, c > 2)", &[1.0, 0.0, 1.0]);
        check("not(a > 1)", &[1.0, 0.0, 0.0]);
        check("and(a > 1, true)", &[0.0, 1.0, 1.0]);
        check("or(false, a > 2)", &[0.0, 0.0, 1.0]);
        assert_eq!(eval("and(true, 1 > 2)").unwrap().as_bool(), Ok(false));
        assert_eq!(eval("or(true, false)").unwrap().as_bool(), Ok(true));
        assert_eq!(eval("not(false)").unwrap().as_bool(), Ok(true));
    }

    #[test]
    fn sum_over_an_array() {
        check("sum([a, b, 1])", &[12.0, 23.0, 34.0]);
        check("sum([a, 0.5, c, 1])", &[5.5, 5.5, 5.5]);
        let parts = "let parts = []; for p in [a, b] { parts.push(p * 2) } sum(parts)";
        check(parts, &[22.0, 44.0, 66.0]);
        assert_eq!(eval("sum([1, 2.5])").unwrap().as_float(), Ok(3.5));
        assert_eq!(eval("sum([])").unwrap().as_float(), Ok(0.0));
        let err = eval(r#"sum([a, "x"])"#).unwrap_err().to_string();
        assert!(err.contains("string (element 1 of the array)"), "{err}");
    }

    #[test]
    fn readable_as_text() {
        let text = eval("`${a}`").unwrap().into_string().unwrap();
        assert_eq!(text, "Batch[1.0, 2.0, 3.0]");
        assert_eq!(eval("type_of(a)").unwrap().into_string().unwrap(), "Batch");
        let long = Batch::from_vec((0..10).map(f64::from).collect()).to_string();
        assert_eq!(long, "Batch[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, …]");
        // Error messages name the type.
        let err = eval("foo(a)").unwrap_err().to_string();
        assert!(err.contains("foo (Batch)"), "{err}");
    }

    #[test]
    fn length_mismatch_is_an_error_not_a_panic() {
        let engine = new_engine();
        for script in [
            "a + b",
            "a < b",
            "max(a, b)",
            "if_else(a > 0, b, 0)",
            "clamp(a, b, 3)",
            "sum([a, b])",
            "let x = a; x += b; x",
            "and(a > 0, b > 0)",
        ] {
            let err = eval_with(&engine, script, &[1.0, 2.0], &[1.0, 2.0, 3.0], &[0.0])
                .expect_err(script)
                .to_string();
            assert!(
                err.contains("different numbers of runs (2 and 3)"),
                "{script}: {err}"
            );
        }
    }

    /// Element-wise means element-wise: the same script over 1 run or over 5 runs that include
    /// that one gives bit-identical values, so results never depend on the batch size.
    #[test]
    fn one_run_or_five_runs_give_the_same_values() {
        let script = r#"
            let gap = max(b - a * 3, 0);
            let covered = min(gap, c * 2.5) / 2;
            let mask = and(gap > 1, not(c == 0));
            let out = if_else(mask, covered, -abs(a)) + sum([gap, covered, 1]);
            out += clamp(a / c, 0.25, 4);
            out *= 1.01;
            out - (a >= 2) * 0.125
        "#;
        let a = [1.0, 2.5, 0.0, 7.0, 3.3];
        let b = [10.0, 1.0, -3.0, 40.0, 9.9];
        let c = [3.0, 0.0, 2.0, 0.5, 1.1];
        let engine = new_engine();
        let all = eval_with(&engine, script, &a, &b, &c)
            .unwrap()
            .cast::<Batch>();
        for i in 0..a.len() {
            let one = eval_with(&engine, script, &a[i..=i], &b[i..=i], &c[i..=i])
                .unwrap()
                .cast::<Batch>();
            assert_eq!(
                one.as_slice()[0].to_bits(),
                all.as_slice()[i].to_bits(),
                "run {i}"
            );
        }
    }

    #[test]
    fn to_batch_accepts_batches_and_numbers() {
        let b = Dynamic::from(Batch::from_vec(vec![1.0, 2.0]));
        assert_eq!(to_batch(&b, 2).unwrap().as_slice(), &[1.0, 2.0]);
        assert_eq!(
            to_batch(&Dynamic::from_float(1.5), 3).unwrap().as_slice(),
            &[1.5; 3]
        );
        assert_eq!(
            to_batch(&Dynamic::from_int(2), 2).unwrap().as_slice(),
            &[2.0; 2]
        );
        assert!(to_batch(&b, 3).unwrap_err().contains("over 2 runs where 3"));
        assert!(
            to_batch(&Dynamic::UNIT, 3)
                .unwrap_err()
                .contains("returned nothing")
        );
        let text: Dynamic = "x".into();
        assert!(to_batch(&text, 3).unwrap_err().contains("type string"));
    }
}
