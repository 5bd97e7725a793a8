//! 研究者向けデータパック (the researcher data pack): area-, prefecture- and national-level
//! tables under the researchers' disclosure policy, each as CSV (UTF-8 with BOM) and
//! Parquet, all of them as sheets of one workbook and tables of one DuckDB file, with a
//! codebook, a manifest (load ids, SHA-256 of every file, the policy, attribution) and a
//! README in Japanese. Written to a directory or a ZIP.

use std::path::Path;

use queries::{MetricResult, Role};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Context;
use crate::error::{Error, Result};
use crate::export;
use crate::format::date_ja;

/// One table of the pack: its file stem, what it is, and the request that made it.
struct Spec {
    name: &'static str,
    level: &'static str,
    metric: &'static str,
    by: Option<&'static str>,
    params: &'static [(&'static str, &'static str)],
}

const TABLES: &[Spec] = &[
    Spec {
        name: "pref_physician_share",
        level: "都道府県",
        metric: queries::metrics::membership::PHYSICIAN_SHARE.name,
        by: Some("prefecture"),
        params: &[],
    },
    Spec {
        name: "pref_members",
        level: "都道府県",
        metric: queries::metrics::membership::COMPOSITION.name,
        by: Some("category,prefecture"),
        params: &[],
    },
    Spec {
        name: "pref_medical_oncologists_per_100k",
        level: "都道府県",
        metric: queries::metrics::specialists::PER_100K.name,
        by: Some("prefecture"),
        params: &[("qualification", "がん薬物療法専門医")],
    },
    Spec {
        name: "pref_jbct_per_100k",
        level: "都道府県",
        metric: queries::metrics::specialists::PER_100K.name,
        by: Some("prefecture"),
        params: &[("qualification", "がん治療認定医")],
    },
    Spec {
        name: "pref_blank_areas",
        level: "都道府県",
        metric: queries::metrics::hospitals::BLANK_COUNT.name,
        by: Some("prefecture"),
        params: &[],
    },
    Spec {
        name: "area_medical_oncologists_per_100k",
        level: "構想区域",
        metric: queries::metrics::specialists::PER_100K.name,
        by: Some("area"),
        params: &[("qualification", "がん薬物療法専門医")],
    },
    Spec {
        name: "area_blank_areas",
        level: "区域（2019年度以降はがん医療圏）",
        metric: queries::metrics::hospitals::BLANK_AREAS.name,
        by: None,
        params: &[],
    },
    Spec {
        name: "area_specialist_coverage",
        level: "構想区域",
        metric: queries::metrics::hospitals::COVERAGE.name,
        by: None,
        params: &[],
    },
    Spec {
        name: "area_without_specialists",
        level: "構想区域",
        metric: queries::metrics::specialists::AREAS_WITHOUT.name,
        by: None,
        params: &[],
    },
    Spec {
        name: "national_blank_area_series",
        level: "全国",
        metric: queries::metrics::hospitals::BLANK_SERIES.name,
        by: None,
        params: &[],
    },
    Spec {
        name: "national_designations",
        level: "全国",
        metric: queries::metrics::hospitals::DESIGNATIONS.name,
        by: None,
        params: &[],
    },
    Spec {
        name: "national_specialists_by_year",
        level: "全国",
        metric: queries::metrics::specialists::BY_YEAR.name,
        by: None,
        params: &[],
    },
    Spec {
        name: "national_survey_response_rate",
        level: "全国",
        metric: queries::metrics::survey::RESPONSE_RATE.name,
        by: None,
        params: &[],
    },
    Spec {
        name: "national_member_flows",
        level: "全国",
        metric: queries::metrics::flows::FLOWS.name,
        by: None,
        params: &[],
    },
];

/// The pack's files, in order: (path inside the pack, bytes).
#[derive(Debug, Default)]
pub struct Pack {
    pub files: Vec<(String, Vec<u8>)>,
    /// Tables left out because their data are not loaded.
    pub skipped: Vec<String>,
}

impl Pack {
    /// Writes the files into `dir` (created; existing files of the same names replaced).
    pub fn write_dir(&self, dir: &Path) -> Result<()> {
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }

    /// The pack as one ZIP archive under a top directory `stem/`.
    pub fn zip(&self, stem: &str) -> Result<Vec<u8>> {
        let files: Vec<(String, Vec<u8>)> =
            self.files.iter().map(|(n, b)| (format!("{stem}/{n}"), b.clone())).collect();
        export::zip_files(&files)
    }
}

/// Builds the pack for the context's audience (researchers: small cells withheld).
pub fn build(cx: &Context<'_>) -> Result<Pack> {
    let mut pack = Pack::default();
    let mut results: Vec<(&Spec, MetricResult)> = Vec::new();
    for spec in TABLES {
        let mut req = cx.req(spec.metric);
        if let Some(by) = spec.by {
            req = req.by(by);
        }
        for (k, v) in spec.params {
            req = req.param(k, v);
        }
        match cx.opt(req)? {
            Some(r) => results.push((spec, r)),
            None => pack.skipped.push(spec.name.to_string()),
        }
    }

    let as_of = Some(cx.as_of);
    let mut wb = export::workbook(as_of)?;
    let mut codebook: Vec<Vec<String>> = vec![
        ["table", "column", "label_ja", "label_en", "unit", "role", "definition", "definition_en"]
            .map(String::from)
            .to_vec(),
    ];
    for (spec, r) in &results {
        pack.files.push((format!("csv/{}.csv", spec.name), export::utf8_bom(&export::csv(r, true))));
        pack.files.push((format!("parquet/{}.parquet", spec.name), export::parquet(r)?));
        export::data_sheet(&mut wb, &sheet_name(spec.name), r)?;
        let def = queries::find(spec.metric)?;
        for c in &r.columns {
            codebook.push(vec![
                spec.name.to_string(),
                c.name.to_string(),
                c.ja.to_string(),
                c.en.to_string(),
                c.unit.to_string(),
                queries::docs::role_name(c.role).to_string(),
                format!("{}（{}）: {} {}", r.title_ja, spec.metric, role_ja(c.role), def.definition_ja),
                format!("{} ({}): {}", def.title_en, spec.metric, def.definition),
            ]);
        }
    }
    let codebook_csv = csv_rows(&codebook);
    export::text_sheet(&mut wb, "codebook", &codebook)?;
    pack.files.push(("codebook.csv".into(), export::utf8_bom(&codebook_csv)));
    pack.files.push(("tables.xlsx".into(), export::save(&mut wb)?));
    let parquets: Vec<(&str, &[u8])> = pack
        .files
        .iter()
        .filter_map(|(n, b)| Some((n.strip_prefix("parquet/")?.strip_suffix(".parquet")?, b.as_slice())))
        .collect();
    let db = duckdb_file(&parquets, &codebook)?;
    pack.files.push(("tables.duckdb".into(), db));
    // The areas' polygons, so that the area tables can be mapped (R7 構想区域; a がん医療圏 is the
    // union of the 構想区域 in its 構成区域), with the attribution their licence asks for.
    pack.files.push(("geo/areas_R7.geojson".into(), crate::area_map::GEOJSON.as_bytes().to_vec()));
    pack.files.push((
        "geo/ATTRIBUTION.txt".into(),
        format!("{}\n{}\n", crate::area_map::ATTRIBUTION, crate::area_map::MIE_NOTE).into_bytes(),
    ));
    pack.files.push(("README.md".into(), readme(cx, &results, &pack.skipped).into_bytes()));

    let policy = queries::Policy::for_audience(cx.audience);
    let manifest = json!({
        "pack": "research",
        "title": "研究者向けデータパック",
        "as_of": cx.as_of.to_string(),
        "audience": cx.audience.name(),
        "suppression_policy": policy,
        "suppression_policy_ja": policy.describe_ja(),
        "load_ids": cx.load_ids(),
        "snapshot_at_load": cx.engine.snapshot().at_load,
        "sample_data": cx.sample(),
        "attribution": model::ATTRIBUTION.iter().copied().chain([crate::area_map::ATTRIBUTION]).collect::<Vec<_>>(),
        "generated_by": format!("oncometrics {}", env!("CARGO_PKG_VERSION")),
        "reproduce": format!("oncometrics report research --as-of {} --at-load {} --out …", cx.as_of, cx.engine.snapshot().at_load),
        "tables": results.iter().map(|(s, r)| json!({
            "name": s.name,
            "level": s.level,
            "metric": s.metric,
            "title": { "ja": r.title_ja, "en": r.title_en },
            "params": r.params,
            "rows": r.rows.len(),
            "load_ids": r.provenance.load_ids,
        })).collect::<Vec<_>>(),
        "skipped": pack.skipped,
        "files": pack.files.iter().map(|(name, bytes)| json!({
            "name": name,
            "bytes": bytes.len(),
            "sha256": hex::encode(Sha256::digest(bytes)),
        })).collect::<Vec<_>>(),
    });
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Export(e.to_string()))?;
    pack.files.push(("manifest.json".into(), manifest));
    Ok(pack)
}

/// A DuckDB database with one table per Parquet file and the codebook, built in a
/// temporary directory and read back as bytes.
fn duckdb_file(parquets: &[(&str, &[u8])], codebook: &[Vec<String>]) -> Result<Vec<u8>> {
    let dir = tempfile::tempdir().map_err(|e| Error::Export(format!("temporary directory: {e}")))?;
    let db = dir.path().join("tables.duckdb");
    let derr = |e: duckdb::Error| Error::Export(format!("duckdb: {e}"));
    {
        let conn = duckdb::Connection::open(&db).map_err(derr)?;
        conn.execute_batch("SET threads = 1").map_err(derr)?;
        for (name, bytes) in parquets {
            let file = dir.path().join(format!("{name}.parquet"));
            std::fs::write(&file, bytes).map_err(|e| Error::io(&file, e))?;
            let path = store::sql::string_literal(&file.to_string_lossy());
            conn.execute_batch(&format!("CREATE TABLE \"{name}\" AS SELECT * FROM read_parquet({path})"))
                .map_err(derr)?;
        }
        conn.execute_batch(
            "CREATE TABLE codebook (\"table\" VARCHAR, \"column\" VARCHAR, label_ja VARCHAR, label_en VARCHAR, \
             unit VARCHAR, role VARCHAR, definition VARCHAR, definition_en VARCHAR)",
        )
        .map_err(derr)?;
        let mut app = conn.appender("codebook").map_err(derr)?;
        for row in codebook.iter().skip(1) {
            let r: Vec<&str> = row.iter().map(String::as_str).collect();
            app.append_row([r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]]).map_err(derr)?;
        }
        app.flush().map_err(derr)?;
        drop(app);
        conn.execute_batch("CHECKPOINT").map_err(derr)?;
    }
    std::fs::read(&db).map_err(|e| Error::io(&db, e))
}

/// Excel sheet names: at most 31 characters.
fn sheet_name(name: &str) -> String {
    name.chars().take(31).collect()
}

fn role_ja(r: Role) -> &'static str {
    match r {
        Role::Dim => "集計の軸。",
        Role::Label => "軸の名称。",
        Role::PersonCount => "人数（少数は秘匿: X）。",
        Role::Derived => "同じ行の人数から計算した値（もとの人数が秘匿なら秘匿）。",
        Role::Estimate => "人数から推計した値（推計の入力に秘匿すべき人数があれば秘匿）。",
        Role::Plain => "人数ではない値（人口・病院数・区域数）。秘匿の対象外。",
    }
}

fn csv_rows(rows: &[Vec<String>]) -> String {
    let mut s = String::new();
    for r in rows {
        s.push_str(&r.iter().map(|c| export::csv_text(c)).collect::<Vec<_>>().join(","));
        s.push_str("\r\n");
    }
    s
}

fn readme(cx: &Context<'_>, results: &[(&Spec, MetricResult)], skipped: &[String]) -> String {
    let policy = queries::Policy::for_audience(cx.audience);
    let mut s = String::new();
    s.push_str("# 研究者向けデータパック（oncometrics）\n\n");
    if cx.sample() {
        s.push_str(&format!(
            "**{}**: 会員・アンケート・専門医・指定のデータは `oncometrics sample` が生成した架空のものです。研究には使えません。\n\n",
            model::SAMPLE_LABEL
        ));
    }
    s.push_str(&format!(
        "基準日 {}、ロード {}（スナップショット: ロード {} 時点）のデータから作成しました。\n\n",
        date_ja(cx.as_of),
        cx.loads_text(),
        cx.engine.snapshot().at_load
    ));
    s.push_str("## 秘匿\n\n");
    s.push_str(&format!("{}\n\n", policy.describe_ja()));
    s.push_str("秘匿した値は CSV と Excel では `X`、Parquet と DuckDB では `NULL` です（人数の列と、そこから計算した割合などの列。codebook の role が people / derived の列）。0 とは区別してください。\n\n");
    s.push_str("## ファイル\n\n");
    s.push_str("- `csv/*.csv`: 表ごとの CSV（UTF-8、BOM 付き、見出しは列名）。\n");
    s.push_str("- `parquet/*.parquet`: 表ごとの Parquet。メタデータ `oncometrics.manifest` に指標・パラメータ・ロードID・秘匿方針。\n");
    s.push_str("- `tables.xlsx`: すべての表（シートごと）と codebook シート。\n");
    s.push_str("- `tables.duckdb`: すべての表と `codebook` 表を入れた DuckDB データベース。\n");
    s.push_str("- `codebook.csv`: すべての列の名前・見出し・単位・種類・定義（日本語、`definition_en` に英語）。\n");
    s.push_str("- `manifest.json`: ロードID、秘匿方針、出典、各ファイルの SHA-256。\n");
    s.push_str("- `geo/areas_R7.geojson`: 構想区域（令和7年度、339）の境界ポリゴン（表示用、`area_code` で区域の表と結合）。がん医療圏は `構成区域` の構想区域の和です。出典は `geo/ATTRIBUTION.txt`。\n\n");
    s.push_str("## 表\n\n| 表 | 単位 | 内容 | 行数 |\n|---|---|---|---:|\n");
    for (spec, r) in results {
        s.push_str(&format!(
            "| `{}` | {} | {}（`{}`） | {} |\n",
            spec.name,
            spec.level,
            r.title_ja,
            spec.metric,
            r.rows.len()
        ));
    }
    if !skipped.is_empty() {
        s.push_str(&format!("\nデータが読み込まれていないため含まれない表: {}\n", skipped.join(", ")));
    }
    let by_pref = results.iter().find(|(spec, _)| spec.name == "pref_blank_areas").map(|(_, r)| r);
    if let (Some((on, official, areas)), Some(r)) = (queries::published::official_blank(), by_pref) {
        let sum = |c: &str| r.column(c).iter().filter_map(|v| v.as_i64()).sum::<i64>();
        let first = |c: &str| r.column(c).first().map(|v| v.display()).unwrap_or_default();
        let set = first("area_set");
        let ours = queries::published::OurBlank {
            as_of: cx.as_of,
            set: &set,
            grouped: first("area_kind") == "がん医療圏",
            blank: sum("blank_areas"),
            areas: sum("areas"),
            sample: cx.sample(),
        };
        s.push_str(&format!(
            "\n## 厚生労働省の公表値\n\n厚生労働省公表値: 空白のがん医療圏 {official} / {areas}（{}）。{}\n",
            queries::published::date_ja(&on),
            queries::published::beside_ours(&ours)
        ));
    }
    s.push_str("\n## 開き方\n\n```python\nimport pyarrow.parquet as pq, polars as pl, duckdb\npq.read_table(\"parquet/pref_physician_share.parquet\")\npl.read_parquet(\"parquet/pref_physician_share.parquet\")\nduckdb.connect(\"tables.duckdb\", read_only=True).sql(\"SELECT * FROM pref_physician_share\")\n```\n\n");
    s.push_str("定義の詳細は oncometrics の `docs/metrics.md`（指標カタログ）にあります。\n\n## 出典\n\n");
    for a in model::ATTRIBUTION {
        s.push_str(&format!("- {a}\n"));
    }
    s
}
