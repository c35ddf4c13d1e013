//! The two layers, checked from the source: the framework (`shared/`, crate `lambdagram`) knows
//! no bot, and no crate has an import circle between its modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without its `#[cfg(test)]` module (tests may reach anywhere in their crate).
fn production_code(text: &str) -> &str {
    text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text)
}

/// The crate's top-level module a file belongs to (`src/aws/dynamo.rs` → `aws`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel
        .components()
        .next()
        .expect("a file")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// Every `prefix` followed by an identifier in `code`: the identifiers.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    code.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = &code[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (end > 0).then(|| &rest[..end])
        })
        .collect()
}

/// Top-level module → the top-level modules of the same crate it uses.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(src, file);
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("read source");
        let code = production_code(&text);
        let nested = file.parent() != Some(src);
        let mut uses: Vec<&str> = paths_after(code, "crate::");
        // `super::x` in a top-level file is `crate::x`; in a nested file it is the file's own
        // top-level module.
        if !nested {
            uses.extend(paths_after(code, "super::"));
        }
        // `use crate::{a, b}` groups.
        for (i, _) in code.match_indices("crate::{") {
            let group = &code[i + "crate::{".len()..];
            let group = &group[..group.find('}').unwrap_or(0)];
            uses.extend(
                group
                    .split(',')
                    .map(|p| p.trim().split("::").next().unwrap_or("")),
            );
        }
        let entry = graph.entry(module.clone()).or_default();
        for used in uses {
            if used != module && modules.contains(used) {
                entry.insert(used.to_owned());
            }
        }
    }
    graph
}

/// A circle in `graph`, as the modules along it, if there is one.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut circle = path[i..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

/// The crates whose modules are checked: the framework and every bot.
fn crate_sources() -> Vec<PathBuf> {
    let mut sources = vec![workspace().join("shared/src")];
    let bots = workspace().join("bots");
    let mut entries: Vec<_> = std::fs::read_dir(&bots)
        .expect("bots/")
        .flatten()
        .map(|e| e.path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "bots/ holds at least the guard");
    sources.extend(entries);
    sources
}

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    for src in crate_sources() {
        let graph = module_graph(&src);
        assert!(
            graph.len() > 3,
            "{}: modules found: {graph:?}",
            src.display()
        );
        if let Some(circle) = find_circle(&graph) {
            panic!("{}: import circle {}", src.display(), circle.join(" → "));
        }
    }
}

#[test]
fn the_circle_check_finds_a_circle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        find_circle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn the_framework_knows_no_bot() {
    let manifest = std::fs::read_to_string(workspace().join("shared/Cargo.toml")).expect("read");
    assert!(
        !manifest.contains("bots/") && !manifest.contains("channel-guard"),
        "shared/Cargo.toml must not depend on a bot"
    );
    let mut files = Vec::new();
    rust_files(&workspace().join("shared"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        for word in [
            "channel_guard",
            "GROUP#",
            "SUBS#",
            "MUTE#",
            "WARN#",
            "/protect",
        ] {
            assert!(
                !text.contains(word),
                "{}: the framework mentions the guard's `{word}`",
                file.display()
            );
        }
    }
}
