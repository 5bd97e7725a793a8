//! A report as a sequence of blocks — headings, paragraphs, KPI boxes, tables and charts —
//! that the PDF and HTML renderers both draw, so the two forms of a pack always agree.

use queries::MetricResult;

use crate::format::cell_text;

/// A report: a title page, then the blocks in order.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// 理事会資料 …
    pub title: String,
    pub subtitle: String,
    /// Lines of the title page: (label, value), e.g. ("基準日", "2026年11月1日（令和8年）").
    pub cover: Vec<(String, String)>,
    /// The data are sample (synthetic): every page says so.
    pub sample: bool,
    /// The running head on every page after the title page.
    pub running_head: String,
    pub blocks: Vec<Block>,
}

/// One block of a report.
#[derive(Debug, Clone)]
pub enum Block {
    /// Level 1 starts a chapter (and a bookmark); level 2 a section.
    Heading {
        level: u8,
        text: String,
    },
    Para(String),
    /// Smaller grey text: caveats, sources, the suppression policy.
    Note(String),
    /// Headline numbers in boxes, three to a row.
    Kpis(Vec<Kpi>),
    Table(Table),
    /// A chart as standalone SVG (from [`crate::charts`] or [`crate::map`]); `width` is the
    /// share of the text width it takes.
    Chart {
        svg: String,
        width: f32,
    },
    PageBreak,
    /// The table of contents: every heading of level 1 and 2 with the page it starts on
    /// (the PDF lays the document out twice to know them; HTML links to the headings).
    Toc {
        title: String,
    },
    /// A boxed notice (【重要なお知らせ】): a title and paragraphs, kept together where it fits.
    Notice {
        title: String,
        body: Vec<Rich>,
    },
    /// Paragraphs and list items with links.
    Rich(Vec<Rich>),
    /// A bold line kept with what follows (「<回答者：…>」, 【回答】).
    Byline(String),
}

/// A paragraph or a list item of running text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rich {
    Para(Vec<Span>),
    Item(Vec<Span>),
}

/// Text, or a link (http, https or mailto; anything else is shown as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Text(String),
    Link { text: String, url: String },
}

impl Span {
    /// The URL when it is one a document may link to.
    pub fn safe_url(url: &str) -> bool {
        let lower = url.to_ascii_lowercase();
        (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"))
            && !url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
    }
}

/// The spans as plain text: a link as its text with the address in brackets (print has no
/// links to follow), unless the text is the address.
pub fn plain(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => t.clone(),
            Span::Link { text, url } if text == url || text.is_empty() => url.clone(),
            Span::Link { text, url } => format!("{text}（{url}）"),
        })
        .collect()
}

/// A headline number.
#[derive(Debug, Clone)]
pub struct Kpi {
    pub label: String,
    pub value: String,
    pub detail: String,
    /// Drawn in the warning colour (a rule not met).
    pub warn: bool,
}

/// A table that may run over several pages (its header repeats on each).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    /// Right-aligned (numeric) columns.
    pub numeric: Vec<bool>,
    /// Columns that count people (small-cell suppression applies to them).
    pub people: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

/// A cell as printed: dimensions and labels as written (a year is 2026, not 2,026),
/// counts and measures formatted.
fn cell(v: &queries::Value, c: &queries::Column) -> String {
    match c.role {
        queries::Role::Dim | queries::Role::Label if !matches!(v, queries::Value::Bool(_)) => v.display(),
        _ => crate::format::column_cell(v, c),
    }
}

impl Table {
    /// The chosen columns of a metric result (all when `columns` is empty), with the
    /// result's notes and its suppression policy beneath.
    pub fn from_result(r: &MetricResult, columns: &[&str]) -> Table {
        let idx: Vec<usize> = if columns.is_empty() {
            (0..r.columns.len()).collect()
        } else {
            columns.iter().filter_map(|c| r.column_index(c)).collect()
        };
        let header = idx
            .iter()
            .map(|&i| {
                let c = &r.columns[i];
                if c.unit.is_empty() { c.ja.to_string() } else { format!("{}（{}）", c.ja, c.unit) }
            })
            .collect();
        let numeric =
            idx.iter().map(|&i| !matches!(r.columns[i].role, queries::Role::Dim | queries::Role::Label)).collect();
        let people = idx.iter().map(|&i| r.columns[i].role == queries::Role::PersonCount).collect();
        let rows = r
            .rows
            .iter()
            .map(|row| idx.iter().map(|&i| row.get(i).map(|v| cell(v, &r.columns[i])).unwrap_or_default()).collect())
            .collect();
        let mut notes: Vec<String> = r.notes.iter().map(|n| n.ja.clone()).collect();
        notes.push(format!("秘匿: {}", r.policy.describe_ja()));
        Table { caption: r.title_ja.to_string(), header, numeric, people, rows, notes }
    }

    /// A long cross-tab (`row`, `column`, `respondents`) as the matrix people read: one row
    /// per answer, one column per value of the other question or segment, and the result's
    /// notes (the chi-square test) beneath. Withheld cells stay withheld.
    pub fn crosstab(r: &MetricResult) -> Table {
        let Some(m) = crate::series::crosstab_matrix(r, "respondents") else {
            return Table::from_result(r, &[]);
        };
        let count = r.column_index("respondents").map(|i| &r.columns[i]);
        let unit = count.map_or("人", |c| c.unit);
        let people = count.is_some_and(|c| c.role == queries::Role::PersonCount);
        let mut out = Table::from_result(r, &[]);
        out.header = std::iter::once("回答 ＼ 列（人）".to_string()).chain(m.columns.iter().cloned()).collect();
        out.numeric = std::iter::once(false).chain(m.columns.iter().map(|_| true)).collect();
        out.people = std::iter::once(false).chain(m.columns.iter().map(|_| people)).collect();
        out.rows = m
            .rows
            .iter()
            .zip(&m.cells)
            .map(|(a, cells)| {
                std::iter::once(a.clone())
                    .chain(cells.iter().map(|v| v.map(|v| cell_text(v, unit)).unwrap_or_default()))
                    .collect()
            })
            .collect();
        out
    }

    /// Keeps only the rows for which `keep` holds.
    pub fn filter(mut self, keep: impl Fn(&[String]) -> bool) -> Table {
        self.rows.retain(|r| keep(r));
        self
    }

    /// Keeps the last `n` rows (the most recent years of a series).
    pub fn last(mut self, n: usize) -> Table {
        let start = self.rows.len().saturating_sub(n);
        self.rows.drain(..start);
        self
    }

    pub fn caption(mut self, caption: impl Into<String>) -> Table {
        self.caption = caption.into();
        self
    }
}

impl Doc {
    pub fn push(&mut self, b: Block) {
        self.blocks.push(b);
    }
    pub fn h1(&mut self, text: impl Into<String>) {
        self.push(Block::Heading { level: 1, text: text.into() });
    }
    pub fn h2(&mut self, text: impl Into<String>) {
        self.push(Block::Heading { level: 2, text: text.into() });
    }
    pub fn para(&mut self, text: impl Into<String>) {
        self.push(Block::Para(text.into()));
    }
    pub fn note(&mut self, text: impl Into<String>) {
        self.push(Block::Note(text.into()));
    }
    pub fn table(&mut self, t: Table) {
        self.push(Block::Table(t));
    }
    pub fn chart(&mut self, svg: String) {
        self.push(Block::Chart { svg, width: 1.0 });
    }
    pub fn chart_width(&mut self, svg: String, width: f32) {
        self.push(Block::Chart { svg, width });
    }
}
