//! Page shell and shared HTML pieces: navigation, the as-of selector, the sample banner,
//! metric tables with their notes, policy and provenance, and number formatting.
//!
//! - [`table`]: a metric result as an HTML table with download links.

pub mod table;

use axum::http::StatusCode;
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::auth::Role;

/// The style sheet, served at `/static/app.css` (no inline styles: the CSP forbids them).
pub const CSS: &str = include_str!("app.css");

/// The icon (SVG), served at `/favicon.ico` where browsers look for it.
pub const ICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#0072b2\"/><path d=\"M3 12 L6 7 L9 9 L13 4\" stroke=\"#fff\" stroke-width=\"2\" fill=\"none\"/></svg>";

/// Navigation: (path, key, label).
const NAV: &[(&str, &str, &str)] = &[
    ("/", "overview", "概要"),
    ("/members", "members", "会員"),
    ("/survey", "survey", "アンケート"),
    ("/specialists", "specialists", "専門医"),
    ("/hospitals", "hospitals", "拠点病院"),
    ("/data", "data", "データ"),
    ("/metrics", "metrics", "指標一覧"),
    ("/console", "console", "SQL"),
];

/// What a page says about itself to the shell.
#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    /// The navigation key of the section.
    pub nav: &'static str,
    /// The as-of date shown (and offered in the selector); None hides the selector.
    pub as_of: Option<NaiveDate>,
    /// Other query parameters the as-of form must keep.
    pub keep: Vec<(String, String)>,
    /// Why the 基準日 typed could not be read (the page shows the default date).
    pub as_of_error: Option<String>,
}

impl Page {
    pub fn new(title: impl Into<String>, nav: &'static str) -> Self {
        Page { title: title.into(), nav, as_of: None, keep: Vec::new(), as_of_error: None }
    }
    pub fn as_of(mut self, d: NaiveDate) -> Self {
        self.as_of = Some(d);
        self
    }
    /// The page's 基準日 as read by [`page_as_of`](crate::pages::page_as_of), and the
    /// query parameters its form keeps (all but `as_of`).
    pub fn dated(
        mut self,
        (d, error): (NaiveDate, Option<String>),
        params: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        self.as_of = Some(d);
        self.as_of_error = error;
        self.keep = params.into_iter().filter(|(k, _)| k != "as_of").collect();
        self
    }
}

/// What the shell shows around every page: who is logged in and what data are shown. Built
/// from the request by [`crate::pages::page`]; a plain value, so the shell needs no state.
#[derive(Debug, Clone)]
pub struct Shell {
    pub user: String,
    pub role: Role,
    /// The session's CSRF token, for the logout form.
    pub csrf: String,
    /// The data shown include the bundled (synthetic) sample.
    pub sample: bool,
    /// The last load the data shown include.
    pub at_load: i64,
}

/// A complete page for a logged-in user.
pub fn page(shell: &Shell, p: Page, body: Markup) -> String {
    let audience = shell.role.audience();
    let doc = html! {
        (DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (p.title) " — oncometrics" }
                link rel="stylesheet" href="/static/app.css";
                link rel="icon" href="/favicon.ico" type="image/svg+xml";
            }
            body {
                a.skip href="#main" { "本文へ移動" }
                header.top {
                    a.brand href="/" { "oncometrics" }
                    nav {
                        @if shell.role == Role::Respondent {
                            a href="/answers" class=@if p.nav == "answers" { "active" } { "回答" }
                        } @else {
                            @for (href, key, label) in NAV {
                                a href=(href) class=@if *key == p.nav { "active" } { (label) }
                            }
                        }
                        @if shell.role.edits_booklets() {
                            a href="/booklet" class=@if p.nav == "booklet" { "active" } { "冊子" }
                        }
                        @if audience == queries::Audience::Committee {
                            a href="/renewals" class=@if p.nav == "renewals" { "active" } { "専門医更新" }
                        }
                        @if shell.role.loads_data() {
                            a href="/data/upload" class=@if p.nav == "upload" { "active" } { "取り込み" }
                        }
                        @if shell.role == Role::Admin {
                            a href="/admin" class=@if p.nav == "admin" { "active" } { "管理" }
                        }
                    }
                    div.user {
                        span.who title=(format!("役割: {}", shell.role.ja())) { (shell.user) "（" (shell.role.ja()) "）" }
                        a href="/account/password" { "パスワード" }
                        form.inline method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(shell.csrf);
                            button type="submit" { "ログアウト" }
                        }
                    }
                }
                @if shell.sample {
                    div.banner role="note" {
                        "サンプルデータ（架空）を表示しています。実在の会員・病院の数値ではありません。"
                        span lang="en" { " / Sample (synthetic) data." }
                    }
                }
                main id="main" {
                    @if let Some(d) = p.as_of {
                        form.asof method="get" {
                            @for (k, v) in &p.keep {
                                input type="hidden" name=(k) value=(v);
                            }
                            label { "基準日 " input type="date" name="as_of" value=(d.to_string()); }
                            button type="submit" { "表示" }
                            span.muted { (date_ja(d)) }
                            @if let Some(e) = &p.as_of_error {
                                span.error role="alert" { (e) "（" (date_ja(d)) " の数値を表示しています）" }
                            }
                        }
                    }
                    (body)
                }
                footer {
                    "データ: ロード " (shell.at_load) " まで · 出典・帰属は"
                    @if shell.role == Role::Respondent { "データ" } @else { a href="/data" { "データ" } }
                    "ページ · 表示: " (audience.ja()) "向けの秘匿基準"
                }
            }
        }
    };
    doc.into_string()
}

/// A page without navigation (login, errors).
pub fn bare_page(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — oncometrics" }
                link rel="stylesheet" href="/static/app.css";
                link rel="icon" href="/favicon.ico" type="image/svg+xml";
            }
            body.bare { main { (body) } }
        }
    }
    .into_string()
}

pub fn error_page(status: StatusCode, message: &str) -> String {
    bare_page(
        "エラー",
        html! {
            div.error-box {
                h1 { (status.as_u16()) }
                p { (bilingual(message)) }
                p { a href="/" { "トップへ" span lang="en" { " / home" } } }
            }
        },
    )
}

/// A bilingual message (`日本語 / english`, the form the server's messages take) with its
/// English half marked `lang="en"`: screen readers switch voice, and the page-wide scan for
/// English (dashboard/tests/it/japanese.rs) passes over it.
pub fn bilingual(message: &str) -> Markup {
    let parts: Vec<&str> = message.split(" / ").collect();
    let (ja, en): (Vec<&str>, Vec<&str>) = parts.iter().partition(|p| !p.is_ascii());
    if ja.is_empty() || en.is_empty() {
        return html! { (message) };
    }
    html! { (ja.join(" / ")) span lang="en" { " / " (en.join(" / ")) } }
}

pub use reports::format::{date_ja, int};

/// An inline SVG chart (already escaped by the chart code).
pub fn svg(s: &str) -> Markup {
    html! { figure.chart { (PreEscaped(s)) } }
}

#[cfg(test)]
mod tests {
    use super::CSS;

    /// The colour of a CSS custom property of `:root`.
    fn var(name: &str) -> (f64, f64, f64) {
        let at = CSS.find(&format!("--{name}: #")).unwrap_or_else(|| panic!("--{name} in app.css")) + name.len() + 5;
        let hex = &CSS[at..at + 6];
        let c = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")) / 255.0;
        (c(0), c(2), c(4))
    }

    fn luminance((r, g, b): (f64, f64, f64)) -> f64 {
        let f = |c: f64| if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
        0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
    }

    fn contrast(a: (f64, f64, f64), b: (f64, f64, f64)) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    /// WCAG 2.1 AA: every colour used for text reads at 4.5:1 or more on white and on the page
    /// background. (Regression: the orange error text was 3.9:1.)
    #[test]
    fn text_colours_meet_wcag_aa_contrast() {
        let white = (1.0, 1.0, 1.0);
        for text in ["fg", "muted", "accent", "warn-text", "ok-text"] {
            for (bg, colour) in [("white", white), ("bg", var("bg"))] {
                let c = contrast(var(text), colour);
                assert!(c >= 4.5, "--{text} on {bg}: {c:.2}:1");
            }
        }
        assert!(CSS.contains(".error, .error-box p { color: var(--warn-text); }"));
        assert!(
            !CSS.contains("color: var(--warn);") && !CSS.contains("color: var(--ok);"),
            "text in a colour below 4.5:1"
        );
    }
}
