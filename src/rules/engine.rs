//! One sandboxed Rhai engine per thread, rule files compiled once, hooks called by name.
//!
//! The shape follows Apollo router's Rhai embedding: the engine is built once and then only
//! read, a rule file is compiled once to an [`AST`] per kloof invocation (never inside the run
//! loop), and hooks are plain script functions found by name (`on_start`, `on_year`,
//! `on_settle`, `on_end`), all optional.
//!
//! Why one engine per thread rather than one shared: without Rhai's `sync` feature an engine
//! cannot cross threads, and with it a shared engine did not scale (pitfall 4 in
//! `shared/notes/rhai-performance.md`). Creating one is cheap because the function library is
//! built once per thread and shared (pitfall 3: `Engine::new` costs ~300 µs, `new_raw` plus a
//! prebuilt package ~0.1 µs).
//!
//! A rule file holds function definitions only: hooks are called with `eval_ast(false)`, so
//! top-level statements (including top-level `let` and `const`) never run (pitfall 5). Script
//! functions cannot see variables outside themselves; everything a hook needs comes in as
//! arguments. Undefined variables are reported when the file is compiled (strict variables).
//!
//! The sandbox: no file, network or clock access (rhai's `no_time` feature, no module
//! resolver so `import` fails, `eval` disabled), `print`/`debug` go nowhere, and limits on
//! operations, call depth, expression depth, sizes and the batch values held at once
//! ([`MAX_BATCH_VALUES`](super::limits::MAX_BATCH_VALUES), counted in [`batch`]) turn runaway scripts into errors.

use rhai::packages::{Package, StandardPackage};
use rhai::{
    AST, CallFnOptions, Dynamic, Engine, FuncArgs, Module, OptimizationLevel, Scope, Shared,
};

use super::batch;
use super::diagnostics::RuleError;

/// The optional hooks a rule file may define; kloof calls only those a file defines.
pub const HOOKS: [&str; 4] = ["on_start", "on_year", "on_settle", "on_end"];

pub use super::limits::*;

thread_local! {
    /// Rhai's standard library and the batch API, built once per thread and shared by every
    /// engine on it. A `thread_local` rather than a `static` because rhai is built without its
    /// `sync` feature, so a shared module cannot cross threads (and engines never do).
    static LIBRARY: (Shared<Module>, Shared<Module>) = (
        StandardPackage::new().as_shared_module(),
        Shared::new(batch::module()),
    );
}

/// A sandboxed engine with the standard library and the batch API, for use on this thread.
///
/// Cheap enough to call per thread or per task; build it once and reuse it for every call.
pub fn new_engine() -> Engine {
    let mut engine = Engine::new_raw();
    LIBRARY.with(|(standard, batches)| {
        engine.register_global_module(standard.clone());
        engine.register_global_module(batches.clone());
    });

    engine
        .set_optimization_level(OptimizationLevel::Simple)
        .set_fast_operators(true)
        .set_strict_variables(true)
        .set_max_operations(MAX_OPERATIONS)
        .set_max_call_levels(MAX_CALL_LEVELS)
        .set_max_expr_depths(MAX_EXPR_DEPTH, MAX_FUNCTION_EXPR_DEPTH)
        .set_max_string_size(MAX_STRING_SIZE)
        .set_max_array_size(MAX_ARRAY_SIZE)
        .set_max_map_size(MAX_MAP_SIZE)
        .set_max_modules(0);

    // `eval` would compile code while the simulation runs; nothing else reaches outside.
    engine.disable_symbol("eval");

    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine
}

/// A rule file, compiled once and called many times.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// Path as the analyst wrote it, used in every error message.
    pub path: String,
    /// The file's text, kept to show the offending line when a hook fails.
    pub source: String,
    /// The compiled script.
    pub ast: AST,
}

impl CompiledRule {
    /// Whether the file calls a function that moves money (`pay`, `deposit`, `withdraw`,
    /// `shift_budget`):
    /// a rule that only decides (go/no-go) or moves demand (a waterbed) moves none by design.
    pub fn moves_money(&self) -> bool {
        ["pay", "deposit", "withdraw", "shift_budget"]
            .iter()
            .any(|name| {
                self.source
                    .match_indices(&format!("{name}("))
                    .any(|(at, _)| {
                        !self.source[..at]
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    })
            })
    }

    /// Whether the file defines a function `name` (any number of parameters): hooks are
    /// optional, and the simulator skips the ones a rule does not define.
    pub fn has_hook(&self, name: &str) -> bool {
        self.ast.iter_functions().any(|f| f.name == name)
    }

    /// Parameter counts of every function called `name`, to explain a call with the wrong
    /// number of arguments.
    fn arities(&self, name: &str) -> Vec<usize> {
        self.ast
            .iter_functions()
            .filter(|f| f.name == name)
            .map(|f| f.params.len())
            .collect()
    }
}

/// Compiles a rule file once. A syntax error (or an undefined variable) comes back as a
/// [`RuleError`] naming `path`, line and column, with the source line and a caret.
pub fn compile(engine: &Engine, path: &str, source: &str) -> Result<CompiledRule, RuleError> {
    let mut ast = engine
        .compile(source)
        .map_err(|err| RuleError::from_parse(path, source, &err))?;
    ast.set_source(path);
    Ok(CompiledRule {
        path: path.to_string(),
        source: source.to_string(),
        ast,
    })
}

/// Calls hook `hook` of `rule` with `args` and returns what it returned.
///
/// Top-level statements are not run and the scope is rewound (pitfalls 5 and 6), so a call
/// costs the same on the thousandth year as on the first. Errors name the file, line, column
/// and hook; add the run and year with [`RuleError::with_run_year`].
pub fn call_hook(
    engine: &Engine,
    rule: &CompiledRule,
    hook: &str,
    args: impl FuncArgs,
) -> Result<Dynamic, RuleError> {
    let mut values: Vec<Dynamic> = Vec::new();
    args.parse(&mut values);
    let count = values.len();

    let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
    let mut scope = Scope::new();
    engine
        .call_fn_with_options::<Dynamic>(options, &mut scope, &rule.ast, hook, values)
        .map_err(|err| {
            let error = RuleError::from_eval(&rule.path, &rule.source, &err).with_hook(hook);
            match *err {
                // The hook itself is missing or takes a different number of parameters.
                rhai::EvalAltResult::ErrorFunctionNotFound(ref name, pos)
                    if name == hook && pos.is_none() =>
                {
                    error.with_message(missing_hook_message(rule, hook, count))
                }
                _ => error,
            }
        })
}

/// Explains a hook that could not be called: absent, or with another number of parameters.
fn missing_hook_message(rule: &CompiledRule, hook: &str, count: usize) -> String {
    let arities = rule.arities(hook);
    if arities.is_empty() {
        return format!("the rule file defines no function `{hook}`");
    }
    let defined = arities
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" or ");
    format!(
        "`{hook}` is called with {count} argument{}, but the rule file defines it with {defined} \
         parameter{}",
        if count == 1 { "" } else { "s" },
        if arities == [1] { "" } else { "s" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::batch::Batch;
    use std::time::{Duration, Instant};

    /// How long `loop {}` runs before the operation limit stops it.
    fn time_endless_loop(engine: &Engine) -> (Duration, bool) {
        let start = Instant::now();
        let stopped = engine.run("loop {}").is_err();
        (start.elapsed(), stopped)
    }

    const RULE: &str = r#"
fn on_start(level) {
    level * 2
}

fn on_year(savings, year) {
    let kept = max(savings - 1, 0);
    helper(kept, year)
}

fn helper(x, year) {
    if year > 2030 { x / nothing_here(x) } else { x }
}
"#;

    #[test]
    fn engine_is_cheap_and_sandboxed() {
        let engine = new_engine();
        assert_eq!(
            engine
                .eval::<i64>("let s = 0; for i in 0..4 { s += i } s")
                .unwrap(),
            6
        );
        assert_eq!(engine.eval::<i64>("[1, 2, 3].len()").unwrap(), 3);
        assert_eq!(engine.eval::<i64>("#{a: 1}.a").unwrap(), 1);
        assert_eq!(engine.eval::<String>(r#""ab" + "c""#).unwrap(), "abc");
        assert!((engine.eval::<f64>("sqrt(2.0)").unwrap() - 2f64.sqrt()).abs() < 1e-15);
        assert!(engine.eval::<()>(r#"print("hidden"); debug(1)"#).is_ok());
        assert!(
            engine.compile(r#"eval("1")"#).is_err(),
            "eval must be disabled"
        );
        assert!(
            engine.run(r#"import "std" as s;"#).is_err(),
            "modules must be off"
        );
        assert!(engine.eval::<Dynamic>("timestamp()").is_err(), "no clock");

        // Creating engines after the first on a thread reuses the prebuilt library: how fast
        // that is, `cargo bench --bench rules` measures (`new_engine`); a debug build's wall
        // clock is no test of it.
    }

    #[test]
    fn compile_and_call_hooks() {
        let engine = new_engine();
        let rule = compile(&engine, "rules/waterbed.rhai", RULE).unwrap();
        assert!(rule.has_hook("on_start"));
        assert!(rule.has_hook("on_year"));
        assert!(!rule.has_hook("on_end"));

        let out = call_hook(&engine, &rule, "on_start", (3_i64,)).unwrap();
        assert_eq!(out.as_int(), Ok(6));

        let savings = Batch::from_vec(vec![0.5, 3.0]);
        let out = call_hook(&engine, &rule, "on_year", (savings, 2027_i64)).unwrap();
        assert_eq!(out.cast::<Batch>().as_slice(), &[0.0, 2.0]);
    }

    #[test]
    fn runtime_error_names_file_hook_and_line() {
        let engine = new_engine();
        let rule = compile(&engine, "rules/waterbed.rhai", RULE).unwrap();
        let savings = Batch::from_vec(vec![0.5, 3.0]);
        let err = call_hook(&engine, &rule, "on_year", (savings, 2031_i64))
            .unwrap_err()
            .with_run_year(37, 2031);
        assert_eq!(err.file, "rules/waterbed.rhai");
        assert_eq!(err.hook.as_deref(), Some("on_year"));
        assert_eq!(err.line, Some(12));
        assert_eq!(err.column, Some(26));
        let text = err.to_string();
        let expected = "\
error in rules/waterbed.rhai:12:26 (hook on_year, run 37, year 2031): \
Function not found: nothing_here (Batch) (in function helper, called at line 8)
   12 |     if year > 2030 { x / nothing_here(x) } else { x }
      |                          ^";
        assert_eq!(text, expected);
    }

    #[test]
    fn missing_hook_or_wrong_arity_is_explained() {
        let engine = new_engine();
        let rule = compile(&engine, "r.rhai", RULE).unwrap();
        let err = call_hook(&engine, &rule, "on_end", ()).unwrap_err();
        assert_eq!(err.hook.as_deref(), Some("on_end"));
        assert!(
            err.message.contains("defines no function `on_end`"),
            "{err}"
        );
        let err = call_hook(&engine, &rule, "on_year", (1_i64,)).unwrap_err();
        assert!(
            err.message
                .contains("called with 1 argument, but the rule file defines it with 2"),
            "{err}"
        );
    }

    #[test]
    fn syntax_error_names_file_line_and_column() {
        let engine = new_engine();
        let source = "fn on_year(x) {\n    let y = x +;\n    y\n}\n";
        let err = compile(&engine, "rules/bad.rhai", source).unwrap_err();
        assert_eq!(err.file, "rules/bad.rhai");
        assert_eq!(err.line, Some(2));
        assert!(err.column.is_some());
        assert_eq!(err.source_line.as_deref(), Some("    let y = x +;"));
        let text = err.to_string();
        assert!(text.starts_with("error in rules/bad.rhai:2:"), "{text}");
        assert!(
            text.contains("\n    2 |     let y = x +;\n      |"),
            "{text}"
        );
        assert!(text.ends_with('^'), "{text}");

        // Strict variables: a typo is found when the file is compiled, not in year 7.
        let err = compile(&engine, "r.rhai", "fn on_year(savings) {\n  saving * 2\n}").unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(3)));
        assert!(err.message.contains("saving"), "{err}");
    }

    #[test]
    fn endless_loop_stops_quickly() {
        let engine = new_engine();
        let (elapsed, stopped) = time_endless_loop(&engine);
        eprintln!("loop {{}} stopped after {elapsed:?}");
        assert!(stopped, "the operation limit stops an endless loop");

        let rule = compile(&engine, "r.rhai", "fn on_year() {\n  loop {}\n}").unwrap();
        let err = call_hook(&engine, &rule, "on_year", ()).unwrap_err();
        assert!(err.message.contains("endless loop"), "{err}");
        assert_eq!(err.hook.as_deref(), Some("on_year"));
        // Rhai passes limit errors up without the position where they happened.
        assert_eq!(err.line, None);
    }

    #[test]
    fn deep_recursion_stops_without_overflowing_the_stack() {
        let engine = new_engine();
        let source = "fn on_year(n) { down(n) }\nfn down(n) {\n  down(n + 1)\n}";
        let rule = compile(&engine, "r.rhai", source).unwrap();
        let err = call_hook(&engine, &rule, "on_year", (0_i64,)).unwrap_err();
        assert!(err.message.contains("recursion"), "{err}");
        assert_eq!(err.hook.as_deref(), Some("on_year"));

        // Deeply nested expressions are refused by the parser.
        let nested = format!("fn on_year() {{ {}1{} }}", "(".repeat(500), ")".repeat(500));
        let err = compile(&engine, "r.rhai", &nested).unwrap_err();
        assert!(err.message.contains("too deeply nested"), "{err}");
    }

    #[test]
    fn sizes_are_limited() {
        let engine = new_engine();
        let rule = compile(
            &engine,
            "r.rhai",
            "fn on_start() {\n  let s = \"x\";\n  loop { s += s; }\n}",
        )
        .unwrap();
        let err = call_hook(&engine, &rule, "on_start", ()).unwrap_err();
        assert!(err.message.contains("too large"), "{err}");
    }

    #[test]
    fn batch_values_held_at_once_are_limited_and_counted_back_down() {
        let engine = new_engine();
        let before = batch::live_values();
        let source = "fn on_year(x) {\n  let hoard = [];\n  loop {\n    hoard.push(x * 2);\n  }\n}";
        let rule = compile(&engine, "r.rhai", source).unwrap();
        // That it stops quickly is a speed, measured in benches, not asserted here.
        let err = call_hook(&engine, &rule, "on_year", (Batch::splat(4, 1.0),)).unwrap_err();
        assert!(err.message.contains("more than 5000 batch values"), "{err}");
        assert_eq!((err.line, err.hook.as_deref()), (Some(4), Some("on_year")));
        // Everything the hook held is gone, and counted as gone.
        assert_eq!(batch::live_values(), before);
        // Temporaries do not add up: a long loop holding one value at a time passes.
        let source =
            "fn on_year(x) {\n  let y = x;\n  for i in 0..20000 { y = y * 1.0001; }\n  y\n}";
        let rule = compile(&engine, "r.rhai", source).unwrap();
        let out = call_hook(&engine, &rule, "on_year", (Batch::splat(4, 1.0),)).unwrap();
        assert!(out.cast::<Batch>().as_slice()[0] > 7.0);
        assert_eq!(batch::live_values(), before);
    }

    #[test]
    fn top_level_statements_do_not_run_and_scope_does_not_grow() {
        let engine = new_engine();
        let source = "let counter = 0; counter += 1; fn on_year(x) { x + 1 }";
        let rule = compile(&engine, "r.rhai", source).unwrap();
        for _ in 0..3 {
            let out = call_hook(&engine, &rule, "on_year", (1_i64,)).unwrap();
            assert_eq!(out.as_int(), Ok(2));
        }
    }
}
