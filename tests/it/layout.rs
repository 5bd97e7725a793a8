//! The house rule of ARCHITECTURE.md, checked: inside each crate, no files import each other
//! in a circle (a parent `mod.rs` that names a child and a child that uses the parent's
//! items count too). Paths are read from `use` items and inline `a::b` paths, with string
//! literals and comments removed; `crate::Name` and `super::Name` follow `pub use`
//! re-exports to the file that defines the name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CRATES: &[&str] = &["model", "store", "ingest", "queries", "reports", "booklet", "dashboard", "."];

type Module = Vec<String>;

#[test]
fn no_two_files_of_a_crate_import_each_other() {
    let root = &crate::support::repo();
    let mut circles = Vec::new();
    for krate in CRATES {
        let graph = Graph::read(&root.join(krate).join("src"));
        assert!(graph.files.len() > 3, "{krate}: read {} files", graph.files.len());
        for circle in graph.circles() {
            circles.push(format!("{krate}: {}", circle.join(", ")));
        }
    }
    assert!(circles.is_empty(), "files that import each other:\n{}", circles.join("\n"));
}

/// The checker itself finds a circle where there is one.
#[test]
fn a_circle_between_parent_and_child_is_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path();
    std::fs::create_dir_all(src.join("a")).expect("mkdir");
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\npub use b::Thing;\n").expect("write");
    std::fs::write(src.join("a/mod.rs"), "mod c;\npub fn f() { c::g() }\npub struct S;\n").expect("write");
    std::fs::write(src.join("a/c.rs"), "// super::nothing\npub fn g() { let _ = super::S; }\n").expect("write");
    std::fs::write(src.join("b.rs"), "pub struct Thing;\nconst Q: &str = \"crate::a::S\";\n").expect("write");
    let circles = Graph::read(src).circles();
    assert_eq!(circles, vec![vec!["a".to_string(), "a::c".to_string()]]);
}

struct Graph {
    files: BTreeMap<Module, String>,
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

impl Graph {
    fn read(src: &Path) -> Graph {
        let mut files = BTreeMap::new();
        for path in rust_files(src) {
            let rel = path.strip_prefix(src).expect("under src").with_extension("");
            let mut module: Module = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            files.insert(module, strip(without_unit_tests(&text)));
        }
        let mut graph = Graph { files, edges: BTreeMap::new() };
        let reexports = graph.reexports();
        let mut edges = BTreeMap::new();
        for (module, text) in &graph.files {
            let targets: BTreeSet<Module> = paths(text)
                .iter()
                .filter_map(|p| graph.resolve(module, p, &reexports, 0))
                .filter(|t| t != module)
                .collect();
            edges.insert(module.clone(), targets);
        }
        graph.edges = edges;
        graph
    }

    /// `(module, name)` → the absolute path a `pub use` in `module` gives `name`.
    fn reexports(&self) -> BTreeMap<(Module, String), Vec<String>> {
        let mut out = BTreeMap::new();
        for (module, text) in &self.files {
            for item in use_items(text, true) {
                for path in expand(&item) {
                    if let (Some(name), Some(abs)) = (path.last(), self.absolute(module, &path)) {
                        out.insert((module.clone(), name.clone()), abs);
                    }
                }
            }
        }
        out
    }

    /// A path as written in `module`, made absolute (from the crate root); `None` for a path
    /// into another crate.
    fn absolute(&self, module: &Module, path: &[String]) -> Option<Vec<String>> {
        let first = path.first()?;
        let (mut base, mut rest) = match first.as_str() {
            "crate" => (Vec::new(), &path[1..]),
            "self" | "super" => (module.clone(), path),
            _ => {
                let mut child = module.clone();
                child.push(first.clone());
                if !self.files.contains_key(&child) {
                    return None;
                }
                (module.clone(), path)
            }
        };
        while let Some(seg) = rest.first() {
            match seg.as_str() {
                "super" => {
                    base.pop();
                }
                "self" => {}
                _ => break,
            }
            rest = &rest[1..];
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file that defines what `path` (written in `module`) names.
    fn resolve(
        &self,
        module: &Module,
        path: &[String],
        reexports: &BTreeMap<(Module, String), Vec<String>>,
        depth: usize,
    ) -> Option<Module> {
        let abs = self.absolute(module, path)?;
        let mut file = Vec::new();
        let mut i = 0;
        while i < abs.len() {
            let mut next = file.clone();
            next.push(abs[i].clone());
            if !self.files.contains_key(&next) {
                break;
            }
            file = next;
            i += 1;
        }
        if depth < 8
            && let Some(name) = abs.get(i)
            && let Some(target) = reexports.get(&(file.clone(), name.clone()))
        {
            let mut via = vec!["crate".to_string()];
            via.extend(target.iter().cloned());
            via.extend(abs[i + 1..].iter().cloned());
            if let Some(found) = self.resolve(&file, &via, reexports, depth + 1) {
                return Some(found);
            }
        }
        Some(file)
    }

    /// Every set of files that import each other in a circle (strongly connected components
    /// of more than one file), each sorted, in order.
    fn circles(&self) -> Vec<Vec<String>> {
        let nodes: Vec<&Module> = self.files.keys().collect();
        let index: BTreeMap<&Module, usize> = nodes.iter().enumerate().map(|(i, m)| (*m, i)).collect();
        let succ: Vec<Vec<usize>> =
            nodes.iter().map(|m| self.edges[*m].iter().filter_map(|t| index.get(t).copied()).collect()).collect();
        let mut out: Vec<Vec<String>> = tarjan(&succ)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut names: Vec<String> =
                    c.iter().map(|&i| if nodes[i].is_empty() { "lib".into() } else { nodes[i].join("::") }).collect();
                names.sort();
                names
            })
            .collect();
        out.sort();
        out
    }
}

fn tarjan(succ: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        succ: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on_stack: Vec<bool>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in &s.succ[v] {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            s.out.push(component);
        }
    }
    let n = succ.len();
    let mut s = State {
        succ,
        index: vec![None; n],
        low: vec![0; n],
        stack: Vec::new(),
        on_stack: vec![false; n],
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// The text before a trailing `#[cfg(test)] mod tests` (unit tests may use anything).
fn without_unit_tests(text: &str) -> &str {
    let mut end = text.len();
    let mut from = 0;
    while let Some(i) = text[from..].find("#[cfg(test)]") {
        let at = from + i;
        if text[at + "#[cfg(test)]".len()..].trim_start().starts_with("mod ") {
            end = at;
            break;
        }
        from = at + 1;
    }
    &text[..end]
}

/// The source with comments, string and char literals blanked.
fn strip(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if let Some(len) = raw_string(rest) {
            i += len;
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            i = j + 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && char_literal(rest).is_some() {
            i += char_literal(rest).unwrap_or(1);
            out.push_str("' '");
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The length of a raw string literal (`r"…"`, `r#"…"#`, `br"…"`) at the start of `s`.
fn raw_string(s: &str) -> Option<usize> {
    let body = s.strip_prefix("br").or_else(|| s.strip_prefix('r'))?;
    let hashes = body.len() - body.trim_start_matches('#').len();
    let after = body[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = after.find(&close)?;
    Some(s.len() - after.len() + end + close.len())
}

/// The length of a char literal at the start of `s` (`'a'`, `'\n'`, `'\u{3000}'`), not a lifetime.
fn char_literal(s: &str) -> Option<usize> {
    let rest = &s[1..];
    if let Some(esc) = rest.strip_prefix('\\') {
        let close = esc.find('\'')?;
        return (close <= 10).then_some(close + 3);
    }
    let c = rest.chars().next()?;
    rest[c.len_utf8()..].starts_with('\'').then_some(c.len_utf8() + 2)
}

/// The bodies of `use …;` items (only `pub use` when `public`), whitespace removed.
fn use_items(text: &str, public: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("use ") {
        let at = from + i;
        from = at + 4;
        let before = text[..at].trim_end();
        let word_start = at == 0 || !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        if !word_start {
            continue;
        }
        let is_pub = before.ends_with("pub") || before.ends_with(')') && before.contains("pub(");
        if public && !is_pub {
            continue;
        }
        if let Some(end) = text[from..].find(';') {
            let body: String = text[from..from + end].split_whitespace().collect::<Vec<_>>().join(" ");
            out.push(body);
        }
    }
    out
}

/// `a::{b, c::{d as e}}` → `[a, b]`, `[a, c, d]`.
fn expand(item: &str) -> Vec<Vec<String>> {
    fn go(prefix: &[String], s: &str, out: &mut Vec<Vec<String>>) {
        let s = s.trim();
        match s.find('{') {
            None => {
                let s = s.split(" as ").next().unwrap_or(s);
                let mut p = prefix.to_vec();
                p.extend(s.split("::").map(str::trim).filter(|x| !x.is_empty()).map(String::from));
                if p.len() > prefix.len() {
                    out.push(p);
                }
            }
            Some(open) => {
                let mut p = prefix.to_vec();
                p.extend(s[..open].split("::").map(str::trim).filter(|x| !x.is_empty()).map(String::from));
                let inner = &s[open + 1..s.rfind('}').unwrap_or(s.len())];
                let (mut depth, mut start) = (0, 0);
                for (i, c) in inner.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            go(&p, &inner[start..i], out);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                go(&p, &inner[start..], out);
            }
        }
    }
    let mut out = Vec::new();
    go(&[], item, &mut out);
    out
}

/// Every path the text names: the expanded `use` items and each inline `a::b::c`.
fn paths(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = use_items(text, false).iter().flat_map(|u| expand(u)).collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k].1;
        let starts = (c.is_alphabetic() || c == '_') && (k == 0 || !ident(chars[k - 1].1) && chars[k - 1].1 != ':');
        if !starts {
            k += 1;
            continue;
        }
        let mut segs = Vec::new();
        let mut j = k;
        loop {
            let s = j;
            while j < chars.len() && ident(chars[j].1) {
                j += 1;
            }
            if s == j {
                break;
            }
            let end = chars.get(j).map_or(text.len(), |x| x.0);
            segs.push(text[chars[s].0..end].to_string());
            if text[end..].starts_with("::") && text[end + 2..].starts_with(|c: char| c.is_alphabetic() || c == '_') {
                j += 2;
            } else {
                break;
            }
        }
        if segs.len() > 1 {
            out.push(segs);
        }
        k = j.max(k + 1);
    }
    out
}

/// Metrics are named by their catalog constants (`queries::metrics::membership::PHYSICIAN_SHARE.name`)
/// outside their own definition, so that a renamed metric cannot leave a page, a pack or a
/// command asking for the old name. Unit tests may spell names out.
#[test]
fn metric_names_are_spelled_out_only_where_they_are_defined() {
    let root = &crate::support::repo();
    let names: Vec<&str> = queries::catalog().iter().map(|d| d.name).collect();
    assert!(names.len() > 30);
    let mut found = Vec::new();
    for krate in ["queries", "reports", "dashboard", "."] {
        for path in rust_files(&root.join(krate).join("src")) {
            let text = std::fs::read_to_string(&path).expect("read source");
            for (i, line) in without_unit_tests(&text).lines().enumerate() {
                let definition = line.trim_start().starts_with("name: \"");
                for name in &names {
                    if !definition && line.contains(&format!("\"{name}\"")) {
                        found.push(format!("{}:{}: {name}", path.display(), i + 1));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "metric names spelled out:\n{}", found.join("\n"));
}

/// Tests read the repository's files through the path cargo gives when they run
/// (`std::env::var_os("CARGO_MANIFEST_DIR")`), never only through the compile-time `env!` one:
/// one target directory serves every clone, so a test binary compiled in another clone (CI's,
/// since deleted) read that clone's files — eight ingest tests failed with "No such file".
#[test]
fn tests_find_the_repository_at_run_time() {
    let root = &crate::support::repo();
    let compile_time = concat!("env!(\"CARGO_", "MANIFEST_DIR\")");
    let fallback = concat!("map_or_else(|| PathBuf::from(env!(\"CARGO_", "MANIFEST_DIR\"))");
    let (mut found, mut read) = (Vec::new(), 0);
    for krate in CRATES {
        let tests = root.join(krate).join("tests");
        if !tests.is_dir() {
            continue;
        }
        for path in rust_files(&tests) {
            read += 1;
            let text = std::fs::read_to_string(&path).expect("read test source");
            for (i, line) in text.lines().enumerate() {
                if line.contains(compile_time) && !line.contains(fallback) {
                    found.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(read > 20, "read only {read} test sources");
    assert!(found.is_empty(), "compile-time repository paths in tests (use support::repo()):\n{}", found.join("\n"));
}
