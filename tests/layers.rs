//! Layers point one way: no module of `src/` uses one that uses it back, directly or around a
//! longer circle. A module's own submodules and its ancestors are left out (a parent
//! re-exporting its children's items and a child using its parent's types is one module's
//! inside, not a circle between two); everything else counts, at the depth of the modules
//! themselves (`rules::engine`, `fairness::coalitions`), through `crate::`, `super::` and
//! `self::` paths and grouped `use` lists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module of `src/` by its path (`rules::engine`), with its source file.
fn modules() -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .filter_map(|f| {
            let rel = f.strip_prefix(&root).ok()?.with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                return None;
            }
            Some((parts.join("::"), f))
        })
        .collect()
}

/// Source without comments (line comments and doc comments), so that a path named in prose
/// is no use.
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("readable")
        .lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a source uses, `crate::`-rooted and resolved against `module`: every
/// `crate::`, `super::` and `self::` path, with grouped `use a::{b, c::d}` expanded.
fn paths(module: &str, src: &str) -> Vec<Vec<String>> {
    let here: Vec<String> = module.split("::").map(String::from).collect();
    let mut out = Vec::new();
    let bytes: Vec<char> = src.chars().collect();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut i = 0;
    while i < bytes.len() {
        let starts = ["crate::", "super::", "self::"]
            .into_iter()
            .find(|p| src_at(&bytes, i, p) && (i == 0 || !ident(bytes[i - 1])));
        let Some(start) = starts else {
            i += 1;
            continue;
        };
        let mut base: Vec<String> = match start {
            "crate::" => Vec::new(),
            "super::" => here[..here.len().saturating_sub(1)].to_vec(),
            _ => here.clone(),
        };
        i += start.len();
        // Further `super::` steps.
        while src_at(&bytes, i, "super::") {
            base.pop();
            i += "super::".len();
        }
        let (list, next) = path_tree(&bytes, i);
        i = next;
        for tail in list {
            let mut p = base.clone();
            p.extend(tail);
            out.push(p);
        }
    }
    out
}

fn src_at(s: &[char], i: usize, pat: &str) -> bool {
    pat.chars()
        .enumerate()
        .all(|(k, c)| s.get(i + k) == Some(&c))
}

/// Parses `a::b::{c, d::{e}}` from `i`: the paths it names, and where it ends.
fn path_tree(s: &[char], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut prefix = Vec::new();
    loop {
        let start = i;
        while i < s.len() && ident(s[i]) {
            i += 1;
        }
        if i > start {
            prefix.push(s[start..i].iter().collect::<String>());
        }
        if src_at(s, i, "::{") {
            i += 3;
            let mut all = Vec::new();
            loop {
                while i < s.len() && (s[i].is_whitespace() || s[i] == ',') {
                    i += 1;
                }
                if i >= s.len() || s[i] == '}' {
                    i += 1;
                    break;
                }
                let (inner, next) = path_tree(s, i);
                if next == i {
                    i += 1;
                    continue;
                }
                i = next;
                for tail in inner {
                    let mut p = prefix.clone();
                    p.extend(tail);
                    all.push(p);
                }
                // Skip `as name`.
                while i < s.len() && !matches!(s[i], ',' | '}') {
                    i += 1;
                }
            }
            return (all, i);
        }
        if src_at(s, i, "::") {
            i += 2;
            continue;
        }
        return (vec![prefix], i);
    }
}

/// The module a path lands in: its longest prefix that is a module.
fn module_of(path: &[String], known: &BTreeMap<String, PathBuf>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| known.contains_key(m))
}

fn related(a: &str, b: &str) -> bool {
    let inside = |x: &str, y: &str| y.starts_with(&format!("{x}::"));
    inside(a, b) || inside(b, a)
}

#[test]
fn no_module_uses_one_that_uses_it_back() {
    let known = modules();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, file) in &known {
        let src = code(file);
        for path in paths(module, &src) {
            if let Some(target) = module_of(&path, &known)
                && target != *module
                && !related(module, &target)
            {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    assert!(
        edges.get("simulator").is_some_and(|e| e.contains("model")),
        "the scan sees the simulator use the model: {:?}",
        edges.get("simulator")
    );
    // Depth-first search for a circle.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    let mut stack: Vec<&str> = Vec::new();
    fn visit<'a>(
        m: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(m, 1);
        stack.push(m);
        for next in edges.get(m).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|x| x == next).unwrap_or(0);
                    let mut circle: Vec<String> =
                        stack[at..].iter().map(|x| x.to_string()).collect();
                    circle.push(next.clone());
                    return Some(circle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(m, 2);
        None
    }
    for m in known.keys() {
        if !state.contains_key(m.as_str())
            && let Some(circle) = visit(m, &edges, &mut state, &mut stack)
        {
            panic!("an import circle: {}", circle.join(" → "));
        }
    }
}

#[test]
fn the_scan_reads_grouped_and_relative_paths() {
    let src = "use crate::rules::{engine::Compiled, batch};\nuse super::care;\nlet x = crate::model::Model::compile();";
    let got = paths("simulator::shared", src);
    let names: Vec<String> = got.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        names,
        [
            "rules::engine::Compiled",
            "rules::batch",
            "simulator::care",
            "model::Model::compile"
        ]
    );
}
