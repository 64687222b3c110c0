//! Issue 14: the pipeline flows one way. Reads every source file's `crate::` and
//! `super::` paths and checks that no two modules (top-level stages, or files
//! inside one) depend on each other, and that the stages keep their order:
//! ingest → model → smooth → rules → diagnosis → sweep → render / report, front ends on top.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Edges a stage must never have: (from, to).
const FORBIDDEN: &[(&str, &str)] = &[
    ("model", "ingest"),
    ("model", "rules"),
    ("ingest", "rules"),
    ("ingest", "diagnosis"),
    ("ingest", "render"),
    ("ingest", "report"),
    ("smooth", "rules"),
    ("rules", "diagnosis"),
    ("rules", "render"),
    ("rules", "report"),
    ("rules", "ingest"),
    ("diagnosis", "render"),
    ("diagnosis", "report"),
    ("render", "report"),
    ("model", "sweep"),
    ("ingest", "sweep"),
    ("smooth", "sweep"),
    ("rules", "sweep"),
    ("diagnosis", "sweep"),
    ("sweep", "render"),
    ("sweep", "report"),
    ("report", "render"),
    // Issue 17: watch is a front end; no stage reaches up to it.
    ("model", "watch"),
    ("ingest", "watch"),
    ("smooth", "watch"),
    ("rules", "watch"),
    ("diagnosis", "watch"),
    ("render", "watch"),
    ("report", "watch"),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `src/rules/view/mod.rs` → `["rules", "view"]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts
}

/// Code without comments (doc examples name paths that are not dependencies).
fn code(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Every module a file refers to, as absolute module paths, as deep as the path names one that exists.
fn references(module: &[String], text: &str, known: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    let code = code(text);
    let words: Vec<&str> = code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).filter(|w| w.contains("::")).collect();
    for w in words {
        let segs: Vec<&str> = w.split("::").filter(|s| !s.is_empty()).collect();
        let (mut base, rest): (Vec<String>, &[&str]) = match segs.first() {
            Some(&"crate") => (Vec::new(), &segs[1..]),
            Some(&"super") => {
                // `super` in mod.rs is the parent of the folder's module; in a file, the folder.
                let mut b = module.to_vec();
                b.pop();
                let mut r = &segs[1..];
                while r.first() == Some(&"super") {
                    b.pop();
                    r = &r[1..];
                }
                (b, r)
            }
            _ => continue,
        };
        let mut deepest = None;
        for s in rest {
            base.push(s.to_string());
            if known.contains(&base) {
                deepest = Some(base.clone());
            }
        }
        if let Some(d) = deepest {
            if !module.starts_with(&d) {
                out.insert(d);
            }
        }
    }
    out
}

fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: Vec<(Vec<String>, PathBuf)> =
        files.into_iter().map(|f| (module_of(&src, &f), f)).filter(|(m, _)| !m.is_empty() && m[0] != "lib" && m[0] != "main").collect();
    let known: BTreeSet<Vec<String>> = modules.iter().map(|(m, _)| m.clone()).collect();
    modules
        .iter()
        .map(|(m, f)| {
            // `super::` in a folder's mod.rs refers from the folder itself.
            let from = if f.ends_with("mod.rs") { [m.clone(), vec!["mod".into()]].concat() } else { m.clone() };
            (m.clone(), references(&from, &std::fs::read_to_string(f).unwrap(), &known))
        })
        .collect()
}

/// Edges between siblings: for each pair of modules, the children of their common parent they sit under.
fn sibling_edges(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> BTreeSet<(Vec<String>, Vec<String>)> {
    let mut edges = BTreeSet::new();
    for (from, tos) in g {
        for to in tos {
            let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
            if common < from.len() && common < to.len() {
                edges.insert((from[..=common].to_vec(), to[..=common].to_vec()));
            }
        }
    }
    edges
}

#[test]
fn no_two_modules_depend_on_each_other() {
    let edges = sibling_edges(&graph());
    let cycles: Vec<String> = edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())))
        .map(|(a, b)| format!("{} <-> {}", a.join("::"), b.join("::")))
        .collect();
    assert!(cycles.is_empty(), "modules that import each other:\n{}", cycles.join("\n"));
}

#[test]
fn the_stages_flow_one_way() {
    let edges = sibling_edges(&graph());
    let bad: Vec<String> = FORBIDDEN
        .iter()
        .filter(|(a, b)| edges.contains(&(vec![a.to_string()], vec![b.to_string()])))
        .map(|(a, b)| format!("{a} -> {b}"))
        .collect();
    assert!(bad.is_empty(), "stages that reach back:\n{}", bad.join("\n"));
}
