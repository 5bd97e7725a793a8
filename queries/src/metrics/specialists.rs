//! Specialists: certifications by year, active specialists per 100,000 population,
//! renewals due, and areas with no active specialist.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use model::qualification::{MEDICAL_ONCOLOGIST, QUALIFICATIONS};
use model::rules::RULES_2026;

use super::common::{AREA_SET_PARAM, area_set, prefecture_cells, vocab_order};
use crate::error::Result;
use crate::metric::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec};
use crate::result::{Column, Value};

const QUALIFICATION_PARAM: ParamSpec = ParamSpec {
    name: "qualification",
    kind: ParamKind::Text,
    default: MEDICAL_ONCOLOGIST,
    doc: "資格, e.g. がん薬物療法専門医 or がん治療認定医",
    doc_ja: "資格（がん薬物療法専門医 または がん治療認定医）",
    required: false,
};
const ACTIVE_DEF: &str = "A certificate is active on D when 認定日 ≤ D ≤ 有効期限.";
const ACTIVE_DEF_JA: &str = "認定日 ≤ 基準日 ≤ 有効期限 の認定を有効とします。";
const ROSTER_CAVEAT: &str = "The register gives the current certificate only (first 認定日, current 有効期限, 更新回数); \
    a certificate that lapsed and was never renewed stays with its last 有効期限.";
const ROSTER_CAVEAT_JA: &str = "認定名簿には現在の認定だけが載っています（初回の認定日、現在の有効期限、更新回数）。\
    更新されずに失効した認定は、最後の有効期限のまま残ります。";

async fn known_qualification(cx: &Cx<'_>) -> Result<String> {
    let q = cx.text("qualification");
    let f = cx.frame_with("SELECT COUNT(*) AS n FROM specialists WHERE qualification = $1", &[&q]).await?;
    if f.i64(0, "n").unwrap_or(0) == 0 {
        let all = cx.frame("SELECT DISTINCT qualification FROM specialists ORDER BY 1").await?;
        let names: Vec<String> = (0..all.len()).filter_map(|r| all.text(r, "qualification")).collect();
        return Err(cx.bad("qualification", &q, &format!("not in the register; loaded: {}", names.join(", "))));
    }
    Ok(q)
}

pub const BY_YEAR: MetricDef = MetricDef {
    name: "specialists.by_year",
    group: Group::Specialists,
    title_ja: "専門医・認定医の推移（年別）",
    title_en: "Specialists by qualification and year",
    summary: "Per 資格 and calendar year: new certifications, renewals, lapses and certificates active at year end.",
    summary_ja: "資格・暦年ごとに、新規認定、更新、失効と、年末に有効な認定数を示します。",
    definition: "new = 認定日 in the year; renewed = renewals inferred from 更新回数: the k-th renewal falls when the \
        k-th cycle (5 years, rule set 2026) from 認定日 ends; lapsed = 有効期限 in the year and before D (not renewed); \
        active = active on 31 December (on D for D's own year). ",
    definition_ja: "新規 = 認定日がその年のもの。更新 = 更新回数から推定した更新: k 回目の更新は、認定日から k 回目\
        の認定期間（5年、規則 2026年版）が終わるときとします。失効 = 有効期限がその年にあり、基準日より前のもの（更\
        新されなかったもの）。有効 = 12月31日（基準日の年は基準日）に有効な認定。",
    unit: "人",
    sources: &["specialists"],
    caveats: &[ACTIVE_DEF, ROSTER_CAVEAT, "Renewal years are inferred from the renewal count and the 5-year cycle."],
    caveats_ja: &[ACTIVE_DEF_JA, ROSTER_CAVEAT_JA, "更新の年は、更新回数と5年の認定期間から推定しています。"],
    by: &["qualification"],
    params: &[],
    audiences: ALL,
    eval: by_year,
};

fn by_year<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let f = cx
            .frame(
                "SELECT qualification, certified_on, expires_on, renewals, COUNT(*) AS n FROM specialists
                 GROUP BY 1, 2, 3, 4",
            )
            .await?;
        let cycle = RULES_2026.renewal_cycle_years;
        // The running year's counts are events up to the as-of date (crate::release).
        let as_of = cx.event_window_end()?;
        let last_year = as_of.year();
        // (qualification, year) → [new, renewed, lapsed, active]
        let mut cells: BTreeMap<(String, i32), [i64; 4]> = BTreeMap::new();
        let mut first_year = last_year;
        for r in 0..f.len() {
            let (Some(q), Some(c), Some(e)) =
                (f.text(r, "qualification"), f.date(r, "certified_on"), f.date(r, "expires_on"))
            else {
                continue;
            };
            let n = f.i64(r, "n").unwrap_or(0);
            let renewals = f.i64(r, "renewals").unwrap_or(0).clamp(0, 100) as u32;
            first_year = first_year.min(c.year());
            if c <= as_of {
                cells.entry((q.clone(), c.year())).or_default()[0] += n;
            }
            for k in 1..=renewals {
                let end = c.checked_add_months(Months::new(12 * cycle * k)).and_then(|d| d.pred_opt());
                if let Some(end) = end.filter(|d| *d <= as_of) {
                    cells.entry((q.clone(), end.year())).or_default()[1] += n;
                }
            }
            if e < as_of {
                cells.entry((q.clone(), e.year())).or_default()[2] += n;
            }
            for y in c.year()..=last_year.min(e.year()) {
                let day = if y == last_year { as_of } else { NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(as_of) };
                if c <= day && day <= e {
                    cells.entry((q.clone(), y)).or_default()[3] += n;
                }
            }
        }
        let mut quals: Vec<String> = cells.keys().map(|k| k.0.clone()).collect();
        quals.sort_by_key(|q| vocab_order(&QUALIFICATIONS, q));
        quals.dedup();
        let mut out = Output::new(vec![
            Column::dim("qualification", "資格", "Qualification"),
            Column::dim("year", "年", "Year"),
            Column::people("new", "新規認定", "New"),
            Column::people("renewed", "更新", "Renewed"),
            Column::people("lapsed", "失効", "Lapsed"),
            Column::people("active", "有効（年末）", "Active at year end"),
        ]);
        for q in &quals {
            for y in first_year..=last_year {
                let c = cells.get(&(q.clone(), y)).copied().unwrap_or_default();
                out.rows.push(vec![
                    Value::Text(q.clone()),
                    Value::Int(i64::from(y)),
                    Value::Int(c[0]),
                    Value::Int(c[1]),
                    Value::Int(c[2]),
                    Value::Int(c[3]),
                ]);
            }
        }
        out.note(format!("{last_year}年の「有効」は {as_of} 時点"), format!("Active for {last_year} is as of {as_of}"));
        Ok(out)
    })
}

pub const PER_100K: MetricDef = MetricDef {
    name: "specialists.per_100k",
    group: Group::Specialists,
    title_ja: "人口10万人あたりの専門医数",
    title_en: "Active specialists per 100,000 population",
    summary: "Active specialists of one 資格 on the as-of date per 100,000 people (2020 census), by prefecture or by 構想区域.",
    summary_ja: "基準日に有効な専門医・認定医の数を、人口 10 万人あたり（2020 年国勢調査）で都道府県別または構想区域別に示します。",
    definition: "specialists = certificates active on D, placed by 勤務先都道府県 (prefecture) or 構想区域コード (area); \
        population = the 2020 census population of the area set's areas (a prefecture is the sum of its areas). \
        per_100k = specialists × 100,000 / population.",
    definition_ja: "専門医 = 基準日に有効な認定を、勤務先都道府県（都道府県別）または構想区域コード（区域別）で数え\
        たもの。人口 = 区域の種類の各区域の2020年国勢調査人口（都道府県はその区域の合計）。人口10万人あたり = 専門医 × 1\
        00,000 ÷ 人口。",
    unit: "人/10万人",
    sources: &["specialists", "areas"],
    caveats: &[ACTIVE_DEF, "Specialists without a prefecture or area code are shown as 不明 and have no rate."],
    caveats_ja: &[ACTIVE_DEF_JA, "都道府県・区域コードのない専門医は「不明」とし、率はありません。"],
    by: &["prefecture", "area"],
    params: &[QUALIFICATION_PARAM, AREA_SET_PARAM],
    audiences: ALL,
    eval: per_100k,
};

fn active_sql(cx: &Cx<'_>) -> String {
    let d = cx.as_of_sql();
    format!("certified_on <= {d} AND expires_on >= {d}")
}

fn per_100k<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let q = known_qualification(cx).await?;
        let set = area_set(cx).await?;
        let active = active_sql(cx);
        let area = cx.by == "area";
        let sql = if area {
            format!(
                "SELECT COALESCE(a.area_code, s.area_code) AS code, a.area_name AS name, a.prefecture_code AS pref,
                        a.population_2020 AS pop, COALESCE(s.n, 0) AS n
                 FROM (SELECT * FROM areas WHERE area_set = $1) a
                 FULL JOIN (SELECT COALESCE(area_code, '不明') AS area_code, COUNT(*) AS n FROM specialists
                            WHERE qualification = $2 AND {active} GROUP BY 1) s ON s.area_code = a.area_code
                 ORDER BY code"
            )
        } else {
            format!(
                "SELECT COALESCE(a.pref, s.pref) AS pref, a.pop AS pop, COALESCE(s.n, 0) AS n
                 FROM (SELECT prefecture_code AS pref, SUM(population_2020) AS pop FROM areas WHERE area_set = $1 GROUP BY 1) a
                 FULL JOIN (SELECT prefecture_code AS pref, COUNT(*) AS n FROM specialists
                            WHERE qualification = $2 AND {active} GROUP BY 1) s ON s.pref = a.pref
                 ORDER BY pref NULLS LAST"
            )
        };
        let f = cx.frame_with(&sql, &[&set, &q]).await?;
        let mut columns = if area {
            vec![
                Column::dim("area_code", "構想区域コード", "Area code"),
                Column::label("area_name", "構想区域", "Area"),
                Column::label("prefecture", "都道府県", "Prefecture"),
            ]
        } else {
            vec![
                Column::dim("prefecture_code", "都道府県コード", "Prefecture code"),
                Column::label("prefecture", "都道府県", "Prefecture"),
            ]
        };
        columns.extend([
            Column::plain("population_2020", "人口（2020年）", "Population (2020)", "人"),
            Column::people("specialists", "専門医数", "Specialists"),
            Column::derived("per_100k", "人口10万対", "Per 100,000", "人/10万人"),
        ]);
        let mut out = Output::new(columns);
        for r in 0..f.len() {
            let pop = f.i64(r, "pop");
            let n = f.i64(r, "n").unwrap_or(0);
            let mut row = if area {
                let (_, pname) = prefecture_cells(f.i64(r, "pref"));
                vec![
                    Value::text(f.text(r, "code").unwrap_or_else(|| "不明".into())),
                    Value::text(f.text(r, "name").unwrap_or_else(|| "不明".into())),
                    pname,
                ]
            } else {
                let (c, name) = prefecture_cells(f.i64(r, "pref"));
                vec![c, name]
            };
            row.extend([
                Value::opt_int(pop),
                Value::Int(n),
                Value::opt_num(pop.filter(|p| *p > 0).map(|p| n as f64 * 100_000.0 / p as f64)),
            ]);
            out.rows.push(row);
        }
        if area {
            // The areas of a prefecture add up to the prefecture's count (published by prefecture).
            let mut by_pref: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for (i, row) in out.rows.iter().enumerate() {
                by_pref.entry(row[2].display()).or_default().push(i);
            }
            out.extra_lines = by_pref.into_values().collect();
        }
        out.note(format!("資格: {q}、区域の版: {set}"), format!("Qualification: {q}; area set: {set}"));
        Ok(out)
    })
}

pub const RENEWALS_DUE: MetricDef = MetricDef {
    name: "specialists.renewals_due",
    group: Group::Specialists,
    title_ja: "更新期限を迎える専門医・認定医（年別）",
    title_en: "Renewals due per year",
    summary: "Certificates active on the as-of date whose 有効期限 falls in each of the next `years` calendar years, by 資格.",
    summary_ja: "基準日に有効な認定のうち、今後の各年に有効期限を迎える数を資格別に示します。",
    definition: "Count of certificates active on D with 有効期限 in year Y, for Y from D's year on. Documents for a \
        がん薬物療法専門医 renewal are due in the 5th year of the cycle, so these are the applicants to expect.",
    definition_ja: "基準日に有効な認定のうち、有効期限が年 Y にあるものの数（Y は基準日の年から）。がん薬物療法専門\
        医の更新書類は認定期間の5年目に提出するので、これが見込まれる申請者です。",
    unit: "人",
    sources: &["specialists"],
    caveats: &[ACTIVE_DEF],
    caveats_ja: &[ACTIVE_DEF_JA],
    by: &["qualification"],
    params: &[ParamSpec {
        name: "years",
        kind: ParamKind::Int { min: 1, max: 10 },
        default: "5",
        doc: "how many years ahead (1–10)",
        doc_ja: "何年先まで（1–10）",
        required: false,
    }],
    audiences: ALL,
    eval: renewals_due,
};

fn renewals_due<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let years = cx.int("years")?.unwrap_or(5);
        if !(1..=10).contains(&years) {
            return Err(cx.bad("years", &years.to_string(), "between 1 and 10 / 1〜10 の範囲で指定"));
        }
        let y0 = i64::from(cx.as_of.year());
        let f = cx
            .frame(&format!(
                "SELECT qualification, CAST(date_part('year', expires_on) AS BIGINT) AS y, COUNT(*) AS n FROM specialists
                 WHERE {} AND date_part('year', expires_on) < {} GROUP BY 1, 2",
                active_sql(cx),
                y0 + years
            ))
            .await?;
        let mut cells: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for r in 0..f.len() {
            cells.insert(
                (f.text(r, "qualification").unwrap_or_default(), f.i64(r, "y").unwrap_or(0)),
                f.i64(r, "n").unwrap_or(0),
            );
        }
        let mut quals: Vec<String> = cells.keys().map(|k| k.0.clone()).collect();
        quals.sort_by_key(|q| vocab_order(&QUALIFICATIONS, q));
        quals.dedup();
        let mut out = Output::new(vec![
            Column::dim("qualification", "資格", "Qualification"),
            Column::dim("year", "有効期限の年", "Year of expiry"),
            Column::people("due", "更新対象者", "Renewals due"),
        ]);
        for q in quals {
            for y in y0..y0 + years {
                out.rows.push(vec![
                    Value::Text(q.clone()),
                    Value::Int(y),
                    Value::Int(cells.get(&(q.clone(), y)).copied().unwrap_or(0)),
                ]);
            }
        }
        Ok(out)
    })
}

pub const AREAS_WITHOUT: MetricDef = MetricDef {
    name: "specialists.areas_without",
    group: Group::Specialists,
    title_ja: "専門医がいない構想区域",
    title_en: "Areas with no active specialist",
    summary: "Areas of the set where no certificate of the 資格 is active on the as-of date (by 構想区域コード of the workplace).",
    summary_ja: "基準日に、その資格の有効な認定者が勤務先にいない区域の一覧です（勤務先の構想区域コードによる）。",
    definition: "Areas of the area set with no active certificate carrying their 構想区域コード. Population: 2020 census.",
    definition_ja: "区域の種類の区域のうち、その構想区域コードを持つ有効な認定が一つもない区域です。人口は2020年国勢\
        調査の値です。",
    unit: "区域",
    sources: &["specialists", "areas"],
    caveats: &[ACTIVE_DEF, "Certificates without a 構想区域コード are not placed in any area."],
    caveats_ja: &[ACTIVE_DEF_JA, "構想区域コードのない認定は、どの区域にも置きません。"],
    by: &[""],
    params: &[QUALIFICATION_PARAM, AREA_SET_PARAM],
    audiences: ALL,
    eval: areas_without,
};

fn areas_without<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let q = known_qualification(cx).await?;
        let set = area_set(cx).await?;
        let f = cx
            .frame_with(
                &format!(
                    "SELECT a.area_code, a.area_name, a.prefecture_code, a.population_2020 FROM areas a
                     WHERE a.area_set = $1 AND a.area_code NOT IN (
                       SELECT area_code FROM specialists WHERE qualification = $2 AND {} AND area_code IS NOT NULL)
                     ORDER BY a.area_code",
                    active_sql(cx)
                ),
                &[&set, &q],
            )
            .await?;
        let mut out = Output::new(vec![
            Column::dim("area_code", "構想区域コード", "Area code"),
            Column::label("area_name", "構想区域", "Area"),
            Column::label("prefecture", "都道府県", "Prefecture"),
            Column::plain("population_2020", "人口（2020年）", "Population (2020)", "人"),
        ]);
        let mut pop = 0;
        for r in 0..f.len() {
            let (_, pname) = prefecture_cells(f.i64(r, "prefecture_code"));
            pop += f.i64(r, "population_2020").unwrap_or(0);
            out.rows.push(vec![
                Value::text(f.text(r, "area_code").unwrap_or_default()),
                Value::text(f.text(r, "area_name").unwrap_or_default()),
                pname,
                Value::opt_int(f.i64(r, "population_2020")),
            ]);
        }
        out.note(
            format!("{q} がいない区域: {} 区域、人口 {} 人（{set}、{}）", f.len(), model::thousands(pop), cx.as_of),
            format!("Areas without an active {q}: {} (population {pop}; {set}, {})", f.len(), cx.as_of),
        );
        Ok(out)
    })
}
