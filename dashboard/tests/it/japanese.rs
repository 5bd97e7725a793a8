//! Every page a user reads is Japanese first (issue 27, point 7): a walk over every page, every
//! metric page and the links they hold, for every role, finds no English word in the text a
//! user sees — text, `title`, `aria-label`, `placeholder` and `alt` — outside an allow-list of
//! names, formats and codes. English that is offered on purpose is marked `lang="en"` (the
//! metric pages' English definitions, the English half of a bilingual message) and code the
//! user types or reads as code (SQL, column names, file names, hashes) is in `<code>`; both are
//! passed over, as is the signed-in user's own name.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;

use crate::support::Client;

/// Words a Japanese page may hold: the product, file formats and standards, software and
/// method names, and words of the bundled sample's own data (medical abbreviations in the
/// survey's free text and the renewal files, 「JA北海道厚生連」, 「e-learning」, 「No.1」).
const ALLOWED: &[&str] = &[
    "oncometrics",
    // formats, standards, protocols
    "SQL",
    "API",
    "NULL",
    "OpenAPI",
    "CSV",
    "TSV",
    "XLSX",
    "CP",
    "Shift_JIS",
    "UTF",
    "BOM",
    "SHA",
    "Excel",
    "Parquet",
    "JSON",
    "ZIP",
    "PDF",
    "HTML",
    "MB",
    "ID",
    "KWIC",
    // software and methods, named as their authors do
    "DataFusion",
    "vibrato",
    "MeCab",
    "IPADIC",
    "Debian",
    "mecab-ipadic",
    "Wilson",
    "Pearson",
    "Kaplan",
    "Meier",
    "exp",
    "ln",
    // the societies' own wording and the sample's data
    "e-learning",
    "web",
    "No",
    "ICD",
    "JA",
    "SNS",
    "NSCLC",
    "AML",
    "DLBCL",
    "HCC",
];

/// A metric id or rule key (`members.physician_share`, `jsmo.min_credits`): a code users
/// quote to the API and the console.
fn dotted_code(w: &str) -> bool {
    w.contains('.') && w.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
}

/// Fragments of allowed words cut by a KWIC window (「…NS を使った」 from 「SNS」).
fn fragment(w: &str) -> bool {
    w.len() >= 2 && ALLOWED.iter().any(|a| a.len() > w.len() && a.contains(w))
}

const VOID: &[&str] = &["input", "br", "img", "meta", "link", "hr", "source", "col", "area", "wbr", "base"];
const SKIPPED: &[&str] = &["script", "style", "code", "pre", "textarea", "kbd"];
const SHOWN_ATTRS: &[&str] = &["title", "aria-label", "placeholder", "alt"];

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// (name, value) of a tag's attributes (maud writes `name="value"` or a bare `name`).
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].rsplit(|c: char| c.is_whitespace()).next().unwrap_or("").to_string();
        let after = &rest[eq + 2..];
        let end = after.find('"').unwrap_or(after.len());
        out.push((name, unescape(&after[..end])));
        rest = &after[(end + 1).min(after.len())..];
    }
    out
}

/// The text a user sees on a page, with the skipped parts left out.
fn visible(html: &str) -> String {
    let mut out = String::new();
    // (tag, skipped) of the open elements
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut skipping = 0usize;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        if skipping == 0 {
            out.push_str(&unescape(&rest[..lt]));
            out.push(' ');
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        let gt = rest.find('>').unwrap_or(rest.len() - 1);
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            while let Some((t, skip)) = open.pop() {
                if skip {
                    skipping -= 1;
                }
                if t == name.trim() {
                    break;
                }
            }
            continue;
        }
        let name: String = tag.chars().take_while(|c| !c.is_whitespace() && *c != '/').collect();
        let attrs = attributes(tag);
        let attr = |n: &str| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        if name == "script" || name == "style" {
            let close = format!("</{name}>");
            rest = rest.find(&close).map_or("", |e| &rest[e + close.len()..]);
            continue;
        }
        let skip = SKIPPED.contains(&name.as_str())
            || attr("lang") == Some("en")
            || attr("class").is_some_and(|c| c.split(' ').any(|c| c == "who"));
        if skipping == 0 && !skip {
            for a in SHOWN_ATTRS {
                if let Some(v) = attr(a) {
                    out.push_str(v);
                    out.push(' ');
                }
            }
            if name == "input" && matches!(attr("type"), Some("submit" | "button")) {
                out.push_str(attr("value").unwrap_or(""));
            }
        }
        if VOID.contains(&name.as_str()) || tag.ends_with('/') {
            continue;
        }
        if skip {
            skipping += 1;
        }
        open.push((name, skip));
    }
    out
}

/// ASCII words of two letters or more, digits left out (`e-learning`, `members.flows` one word
/// each; 「Q01」 and 「R7」 no word).
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphabetic() || b"_.-".contains(&bytes[i])) {
                i += 1;
            }
            let w = text[start..i].trim_end_matches(['.', '-', '_']);
            if w.len() >= 2 {
                out.push(w);
            }
        } else {
            i += 1;
        }
    }
    out
}

fn allowed(w: &str) -> bool {
    ALLOWED.contains(&w) || dotted_code(w) || fragment(w)
}

/// Links inside the site worth reading: pages, not downloads or the API.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("href=\"/") {
        let after = &rest[i + 6..];
        let end = after.find('"').unwrap_or(after.len());
        let href = unescape(&after[..end]);
        rest = &after[end..];
        let href = href.split('#').next().unwrap_or("").to_string();
        let skip = ["/export", "/api", "/reports", "/static", "/logout", "/data/rejects", "/favicon"];
        if !skip.iter().any(|p| href.starts_with(p)) && !href.contains("format=") && !href.contains("rows=all") {
            out.push(href);
        }
    }
    out
}

#[test]
fn the_visible_text_skips_code_english_and_markup() {
    let html = r#"<p title="説明">日本語 <code>SELECT 1</code> <span lang="en">English <b>here</b></span> 後</p>
        <script>var English = 1;</script><input type="submit" value="送信"><label>語 <input placeholder="Word"></label>"#;
    let text = visible(html);
    assert!(text.contains("日本語") && text.contains("後") && text.contains("説明") && text.contains("送信"), "{text}");
    assert!(!text.contains("SELECT") && !text.contains("English") && !text.contains("here"), "{text}");
    assert_eq!(words(&text), vec!["Word"]);
    assert_eq!(words("members.flows と e-learning、No.1、Q01"), vec!["members.flows", "e-learning", "No"]);
    assert!(allowed("members.flows") && allowed("NS") && !allowed("compliant") && !allowed("Area"));
}

/// Regression: 指標一覧 and the metric pages showed English definitions (「compliant iff 5P ≥
/// 4T」), parameter help (「1–47 (default: every prefecture)」), choices (`in_force`), column
/// tooltips (「Prefecture」), renewal findings in English and 「by category,profession」.
#[test]
fn no_page_shows_english_outside_the_allow_list() {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pages_read = 0;
    for role in ["committee", "board", "researcher", "steward"] {
        let mut c = Client::login(role);
        let audience = match role {
            "committee" => queries::Audience::Committee,
            "board" | "steward" => queries::Audience::Board,
            _ => queries::Audience::Researcher,
        };
        let mut queue: Vec<String> = [
            "/",
            "/members",
            "/survey",
            "/hospitals",
            "/specialists",
            "/metrics",
            "/data",
            "/console",
            "/account/password",
        ]
        .map(String::from)
        .into();
        if role == "committee" {
            queue.push("/renewals".into());
        }
        if role == "steward" {
            queue.push("/data/upload".into());
        }
        queue.extend(
            queries::catalog()
                .iter()
                .filter(|d| d.audiences.contains(&audience))
                .map(|d| format!("/metrics/{}", d.name)),
        );
        let starts = queue.len();
        let mut seen = BTreeSet::new();
        let mut i = 0;
        while i < queue.len() {
            let url = queue[i].clone();
            i += 1;
            if !seen.insert(url.clone()) {
                continue;
            }
            let res = c.get(&url);
            assert_eq!(res.status, StatusCode::OK, "{role} {url}");
            let html = res.text();
            pages_read += 1;
            for w in words(&visible(&html)) {
                if !allowed(w) {
                    found.entry(w.to_string()).or_default().insert(format!("{role} {url}"));
                }
            }
            // One level of links from the start pages: drill-downs, survey questions, a
            // metric's groupings.
            if i <= starts {
                queue.extend(links(&html));
            }
        }
    }
    assert!(pages_read > 150, "only {pages_read} pages read");
    let report: Vec<String> = found
        .iter()
        .map(|(w, at)| format!("{w:?} on {} page(s), e.g. {}", at.len(), at.iter().next().map_or("", |s| s.as_str())))
        .collect();
    assert!(report.is_empty(), "English on Japanese pages:\n{}", report.join("\n"));
}

/// The load history names datasets as ingest does: one list of Japanese names, kept equal.
#[test]
fn every_dataset_has_its_ingest_name_in_the_load_history() {
    for spec in ingest::spec::DATASETS {
        assert_eq!(queries::labels::dataset(spec.name), spec.ja, "{}", spec.name);
    }
    assert_eq!(queries::labels::DATASETS.len(), ingest::spec::DATASETS.len());
}

/// The アンケート page names survey tools as ingest does.
#[test]
fn every_survey_tool_has_its_ingest_label() {
    let tools: Vec<(&str, &str)> = ingest::survey_export::Tool::ALL.iter().map(|t| (t.name(), t.label())).collect();
    assert_eq!(queries::labels::SURVEY_TOOLS, tools.as_slice());
}
