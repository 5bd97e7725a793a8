//! Cancer-hospital designations: counts by type, 空白の二次医療圏, and designated hospitals
//! against specialists (the designation volumes are in [`super::volumes`]).

use chrono::{Datelike, NaiveDate};
use model::designation::DesignationType;
use model::qualification::MEDICAL_ONCOLOGIST;

use super::common::{AREA_SET_PARAM, area_kind, area_set, blank_area_set, prefecture_cells};
use crate::error::Result;
use crate::frame::Frame;
use crate::metric::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec, date_sql};
use crate::result::{Column, Value};

pub(super) const AREA_SET_CAVEAT: &str = "A count of 空白 areas depends on the area set. Since FY2019 the ministry counts \
    空白 on がん医療圏 (336 in April 2024): data/reference/gan_iryoken_2024.csv defines them as groups of 構想区域, or of \
    municipalities where one splits a 構想区域 (香川), with how sure each definition is; it is the default for 空白 from \
    FY2019 when loaded. The 構想区域 of R6/R7 (339; = 二次医療圏 except in 三重県) stay selectable. A designation is placed \
    by its 構想区域 code, or by its hospital's municipality in the hospital master; designations that fall in no area \
    of the set are reported in a note.";
pub(super) const AREA_SET_CAVEAT_JA: &str = "空白の区域の数は、どの区域で数えるかによって変わります。国は2019年度から空\
    白をがん医療圏（2024年4月に336）で数えています。参照データのがん医療圏（2024年4月）は、がん医療圏を構想区域の組\
    （香川県のように構想区域を分ける所は市町村の組）として、定義の確からしさとともに示したもので、読み込まれていれ\
    ば2019年度以降の空白の既定です。令和6・7年の構想区域 339（三重県を除き二次医療圏と同じ）も選べます。指定は構想\
    区域コードで、または医療機関マスタにある病院の市区町村で区域に置きます。どの区域にも置けない指定は注記に示しま\
    す。";

/// CTEs `units` (each area of set `$1` and the 構想区域 codes or municipalities it is made of)
/// and `placed` (each designation with the area of the set it lies in: by its 構想区域 code, or
/// by its hospital's municipality in the hospital master).
pub(super) const PLACED: &str = "units AS (
        SELECT area_code AS set_area, prefecture_code AS pref,
               unnest(string_to_array(COALESCE(parts, area_code), ';')) AS unit
        FROM areas WHERE area_set = $1),
     muni AS (
        SELECT DISTINCT prefecture_code, hospital, municipality FROM hospitals WHERE municipality IS NOT NULL),
     placed AS (
        SELECT DISTINCT u.set_area, x.prefecture_code, x.hospital, x.designation, x.designated_from, x.designated_until
        FROM designations x
        LEFT JOIN muni m ON m.prefecture_code = x.prefecture_code AND m.hospital = x.hospital
        JOIN units u ON u.pref = x.prefecture_code AND (u.unit = x.area_code OR u.unit = m.municipality))";

pub(super) fn designated_on(d: &str) -> String {
    format!("(designated_from <= {d} AND (designated_until IS NULL OR designated_until >= {d}))")
}

pub const DESIGNATIONS: MetricDef = MetricDef {
    name: "hospitals.designations",
    group: Group::Hospitals,
    title_ja: "がん診療連携拠点病院等の指定数",
    title_en: "Designated cancer hospitals",
    summary: "Hospitals holding each designation type on the as-of date, nationally or by prefecture.",
    summary_ja: "基準日に各類型の指定を受けている病院の数を、全国または都道府県別に示します。",
    definition: "A designation is in force on D when 指定開始日 ≤ D and (指定終了日 is empty or D ≤ 指定終了日). 都道府県独自指定 \
        is listed but is not a national designation.",
    definition_ja: "指定開始日 ≤ 基準日 で、指定終了日が空欄または 基準日 ≤ 指定終了日 のとき、その指定は基準日に有\
        効です。都道府県独自指定は一覧に示しますが、国の指定ではありません。",
    unit: "施設",
    sources: &["designations"],
    caveats: &[],
    caveats_ja: &[],
    by: &["type", "prefecture,type"],
    params: &[],
    audiences: ALL,
    eval: designations,
};

pub(super) fn type_order(label: &str) -> usize {
    DesignationType::ALL.iter().position(|t| t.label() == label).unwrap_or(usize::MAX)
}

fn designations<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let by_pref = cx.by_has("prefecture");
        let pref = if by_pref { "prefecture_code" } else { "0" };
        let f = cx
            .frame(&format!(
                "SELECT {pref} AS pref, designation, COUNT(*) AS n FROM designations WHERE {} GROUP BY 1, 2",
                designated_on(&cx.as_of_sql())
            ))
            .await?;
        let mut rows: Vec<(i64, usize, Vec<Value>)> = Vec::new();
        for r in 0..f.len() {
            let label = f.text(r, "designation").unwrap_or_default();
            let code = f.i64(r, "pref");
            let mut row = Vec::new();
            if by_pref {
                let (c, n) = prefecture_cells(code);
                row.extend([c, n]);
            }
            let national = DesignationType::parse(&label).is_some_and(DesignationType::is_national);
            row.extend([Value::text(label.clone()), Value::Bool(national), Value::opt_int(f.i64(r, "n"))]);
            rows.push((code.unwrap_or(99), type_order(&label), row));
        }
        rows.sort_by_key(|r| (r.0, r.1));
        let mut columns = Vec::new();
        if by_pref {
            columns.push(Column::dim("prefecture_code", "都道府県コード", "Prefecture code"));
            columns.push(Column::label("prefecture", "都道府県", "Prefecture"));
        }
        columns.extend([
            Column::dim("designation", "指定類型", "Designation"),
            Column::plain("national", "国の指定", "National designation", ""),
            Column::plain("hospitals", "施設数", "Hospitals", "施設"),
        ]);
        let mut out = Output::new(columns);
        out.rows = rows.into_iter().map(|r| r.2).collect();
        Ok(out)
    })
}

/// `WITH … b AS (…)`: the areas of set `$1` with their coverage on `d`: (area_code, area_name,
/// prefecture_code, population_2020, covered); the caller adds its `SELECT … FROM b`.
fn blank_sql(d: &str) -> String {
    format!(
        "WITH {PLACED},
         b AS (
            SELECT a.area_code, a.area_name, a.prefecture_code, a.population_2020,
                   (c.set_area IS NOT NULL) AS covered
            FROM areas a LEFT JOIN (
                SELECT DISTINCT set_area FROM placed WHERE covers_area(designation) AND {}
            ) c ON a.area_code = c.set_area
            WHERE a.area_set = $1)",
        designated_on(d),
    )
}

async fn unmatched_note(cx: &Cx<'_>, out: &mut Output, set: &str, d: &str) -> Result<()> {
    let f = cx
        .frame_with(
            &format!(
                "WITH {PLACED},
                 here AS (SELECT DISTINCT prefecture_code, hospital, designation, designated_from FROM placed)
                 SELECT COUNT(*) AS n FROM (SELECT * FROM designations WHERE covers_area(designation) AND {}) x
                 LEFT JOIN here p ON p.prefecture_code = x.prefecture_code AND p.hospital = x.hospital
                      AND p.designation = x.designation AND p.designated_from = x.designated_from
                 WHERE p.hospital IS NULL",
                designated_on(d),
            ),
            &[set],
        )
        .await?;
    let n = f.i64(0, "n").unwrap_or(0);
    if n > 0 {
        out.note(
            format!("{set} のどの区域にも置けない指定が {n} 件あり（構想区域コードがないか、市区町村で分ける区域で病院が医療機関マスタにない）、判定に使っていません。"),
            format!("{n} designations fall in no area of {set} (no area code, or a hospital the master lacks where areas split by municipality) and were not used."),
        );
    }
    Ok(())
}

pub const BLANK_AREAS: MetricDef = MetricDef {
    name: "hospitals.blank_areas",
    group: Group::Hospitals,
    title_ja: "空白の二次医療圏（一覧）",
    title_en: "空白の二次医療圏: areas without a designated cancer hospital",
    summary: "Areas of the chosen set with neither a 拠点病院 nor a 地域がん診療病院 designated on the as-of date.",
    summary_ja: "選んだ区域の組のうち、基準日に拠点病院も地域がん診療病院も指定されていない区域の一覧です。",
    definition: "An area is 空白 on D when no designation in force on D of type 都道府県/地域（高度型を含む）/特定領域 \
        がん診療連携拠点病院, 国立がん研究センター or 地域がん診療病院 has its area code. 都道府県独自指定 does not count. \
        Population is the 2020 census figure of the reference data.",
    definition_ja: "基準日に有効な指定で、都道府県・地域（高度型を含む）・特定領域がん診療連携拠点病院、国立がん研究\
        センター、地域がん診療病院のいずれもその区域コードにないとき、その区域は空白です。都道府県独自指定は数えませ\
        ん。人口は参照データの2020年国勢調査の値です。",
    unit: "区域",
    sources: &["designations", "areas", "hospitals"],
    caveats: &[AREA_SET_CAVEAT],
    caveats_ja: &[AREA_SET_CAVEAT_JA],
    by: &[""],
    params: &[AREA_SET_PARAM],
    audiences: ALL,
    eval: blank_areas,
};

/// The columns that name an area: code, name, prefecture (code and name), 2020 population.
pub(super) const AREA_COLUMNS: [Column; 5] = [
    Column::dim("area_code", "構想区域コード", "Area code"),
    Column::label("area_name", "構想区域", "Area"),
    Column::label("prefecture_code", "都道府県コード", "Prefecture code"),
    Column::label("prefecture", "都道府県", "Prefecture"),
    Column::plain("population_2020", "人口（2020年）", "Population (2020)", "人"),
];

/// The [`AREA_COLUMNS`] cells of row `r` of a frame with area_code, area_name,
/// prefecture_code and population_2020.
pub(super) fn area_cells(f: &Frame, r: usize) -> Vec<Value> {
    let (c, n) = prefecture_cells(f.i64(r, "prefecture_code"));
    vec![
        Value::text(f.text(r, "area_code").unwrap_or_default()),
        Value::text(f.text(r, "area_name").unwrap_or_default()),
        c,
        n,
        Value::opt_int(f.i64(r, "population_2020")),
    ]
}

fn blank_areas<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let set = blank_area_set(cx).await?;
        let d = cx.as_of_sql();
        let f = cx
            .frame_with(&format!("{} SELECT * FROM b WHERE NOT covered ORDER BY area_code", blank_sql(&d)), &[&set])
            .await?;
        let mut out = Output::new(AREA_COLUMNS.to_vec());
        let (mut pop, mut unknown) = (0, Vec::new());
        for r in 0..f.len() {
            match f.i64(r, "population_2020") {
                Some(p) => pop += p,
                None => unknown.push(f.text(r, "area_name").unwrap_or_default()),
            }
            out.rows.push(area_cells(&f, r));
        }
        if !unknown.is_empty() {
            out.note(
                format!(
                    "人口の分からない区域（{}）は人口に含めていません（市町村で区域を分けるがん医療圏）。",
                    unknown.join("、")
                ),
                format!("{} areas of unknown population are left out of the population.", unknown.len()),
            );
        }
        out.note(
            format!("{set}: 空白 {} 区域、人口 {} 人（{} 時点）", f.len(), model::thousands(pop), cx.as_of),
            format!("{set}: {} 空白 areas, population {pop} (as of {})", f.len(), cx.as_of),
        );
        unmatched_note(cx, &mut out, &set, &d).await?;
        Ok(out)
    })
}

pub const BLANK_COUNT: MetricDef = MetricDef {
    name: "hospitals.blank_area_count",
    group: Group::Hospitals,
    title_ja: "空白の二次医療圏（数と人口）",
    title_en: "Number of 空白 areas and the population living in them",
    summary: "Areas in the set, 空白 areas and their 2020 population on the as-of date, nationally or by prefecture.",
    summary_ja: "基準日の区域数・空白の区域数とその 2020 年人口を、全国または都道府県別に示します。",
    definition: "As hospitals.blank_areas, counted: areas, blank_areas, blank_population (2020 census) and its share \
        of the set's population.",
    definition_ja: "空白の区域と同じ判定で数えたもの: 区域数、空白の区域数、空白の区域の人口（2020年国勢調査）と、そ\
        れが区域全体の人口に占める割合です。",
    unit: "区域",
    sources: &["designations", "areas", "hospitals"],
    caveats: &[AREA_SET_CAVEAT],
    caveats_ja: &[AREA_SET_CAVEAT_JA],
    by: &["", "prefecture"],
    params: &[AREA_SET_PARAM],
    audiences: ALL,
    eval: blank_count,
};

fn blank_count<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let set = blank_area_set(cx).await?;
        let d = cx.as_of_sql();
        let by_pref = cx.by == "prefecture";
        let key = if by_pref { "prefecture_code" } else { "0" };
        let f = cx
            .frame_with(
                &format!(
                    "{} SELECT {key} AS pref, COUNT(*) AS areas, SUM(CASE WHEN covered THEN 0 ELSE 1 END) AS blank,
                            SUM(population_2020) AS pop, SUM(CASE WHEN covered THEN 0 ELSE population_2020 END) AS blank_pop,
                            SUM(CASE WHEN NOT covered AND population_2020 IS NULL THEN 1 ELSE 0 END) AS blank_unknown
                     FROM b GROUP BY 1 ORDER BY 1",
                    blank_sql(&d)
                ),
                &[&set],
            )
            .await?;
        let kind = area_kind(cx, &set).await?;
        let mut columns = vec![
            Column::label("area_set", "区域の版", "Area set"),
            Column::label("area_kind", "区域の種類", "Kind of area"),
        ];
        if by_pref {
            columns.insert(0, Column::dim("prefecture_code", "都道府県コード", "Prefecture code"));
            columns.insert(1, Column::label("prefecture", "都道府県", "Prefecture"));
        }
        columns.extend([
            Column::plain("areas", "区域数", "Areas", "区域"),
            Column::plain("blank_areas", "空白区域数", "空白 areas", "区域"),
            Column::plain("blank_population", "空白区域の人口", "Population in 空白 areas", "人"),
            Column::plain("blank_population_pct", "人口に占める割合", "Share of population", "%"),
        ]);
        let mut out = Output::new(columns);
        for r in 0..f.len() {
            let mut row = Vec::new();
            if by_pref {
                let (c, n) = prefecture_cells(f.i64(r, "pref"));
                row.extend([c, n]);
            }
            let (pop, bpop) = (f.i64(r, "pop").unwrap_or(0), f.i64(r, "blank_pop").unwrap_or(0));
            row.extend([
                Value::text(set.clone()),
                Value::text(kind),
                Value::opt_int(f.i64(r, "areas")),
                Value::opt_int(f.i64(r, "blank")),
                Value::Int(bpop),
                Value::opt_num((pop > 0).then(|| 100.0 * bpop as f64 / pop as f64)),
            ]);
            out.rows.push(row);
        }
        let unknown: i64 = (0..f.len()).filter_map(|r| f.i64(r, "blank_unknown")).sum();
        if unknown > 0 {
            out.note(
                format!("空白のうち人口の分からない区域 {unknown} は空白区域の人口に含めていません（市町村で区域を分けるがん医療圏）。"),
                format!("{unknown} 空白 areas of unknown population are left out of the blank population."),
            );
        }
        unmatched_note(cx, &mut out, &set, &d).await?;
        Ok(out)
    })
}

pub const BLANK_SERIES: MetricDef = MetricDef {
    name: "hospitals.blank_area_series",
    group: Group::Hospitals,
    title_ja: "空白の二次医療圏の推移（各年4月1日）",
    title_en: "空白 areas over time (each April 1st)",
    summary: "The number of 空白 areas and their population on April 1st of each year from `from_year` to the as-of date.",
    summary_ja: "開始年から基準日まで、各年 4 月 1 日の空白の区域数とその人口を示します。",
    definition: "hospitals.blank_area_count evaluated on April 1st of each year, over one area set (today's boundaries \
        applied to the past, so the series shows designation changes, not boundary changes).",
    definition_ja: "空白の区域数を毎年4月1日について求めたもので、一つの区域の種類で数えます（今の区域の境界を過去に\
        も当てはめるので、系列が示すのは境界の変更ではなく指定の変化です）。",
    unit: "区域",
    sources: &["designations", "areas", "hospitals"],
    caveats: &[AREA_SET_CAVEAT],
    caveats_ja: &[AREA_SET_CAVEAT_JA],
    by: &[""],
    params: &[
        AREA_SET_PARAM,
        ParamSpec {
            name: "from_year",
            kind: ParamKind::Int { min: 1900, max: 2100 },
            default: "2006",
            doc: "first year (April 1st)",
            doc_ja: "最初の年（4月1日）",
            required: false,
        },
    ],
    audiences: ALL,
    eval: blank_series,
};

fn blank_series<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let set = blank_area_set(cx).await?;
        let from = cx.int("from_year")?.unwrap_or(2006);
        let dates: Vec<NaiveDate> = (from..=i64::from(cx.as_of.year()))
            .filter_map(|y| i32::try_from(y).ok())
            .filter_map(|y| NaiveDate::from_ymd_opt(y, 4, 1))
            .filter(|d| *d <= cx.as_of)
            .collect();
        if dates.is_empty() {
            return Err(cx.bad("from_year", &from.to_string(), "no April 1st between it and the as-of date"));
        }
        let values = dates.iter().map(|d| format!("({})", date_sql(*d))).collect::<Vec<_>>().join(", ");
        let f = cx
            .frame_with(
                &format!(
                    "WITH dates AS (SELECT column1 AS d FROM (VALUES {values}) v),
                 {PLACED},
                 covered AS (
                     SELECT DISTINCT dt.d, x.set_area AS area_code FROM dates dt JOIN placed x
                       ON x.designated_from <= dt.d AND (x.designated_until IS NULL OR x.designated_until >= dt.d)
                     WHERE covers_area(x.designation)
                 )
                 SELECT dt.d AS d, COUNT(*) AS areas,
                        SUM(CASE WHEN c.area_code IS NULL THEN 1 ELSE 0 END) AS blank,
                        SUM(CASE WHEN c.area_code IS NULL THEN a.population_2020 ELSE 0 END) AS blank_pop
                 FROM dates dt CROSS JOIN (SELECT * FROM areas WHERE area_set = $1) a
                 LEFT JOIN covered c ON c.d = dt.d AND c.area_code = a.area_code
                 GROUP BY dt.d ORDER BY dt.d"
                ),
                &[&set],
            )
            .await?;
        let mut out = Output::new(vec![
            Column::dim("date", "基準日", "Date"),
            Column::label("area_set", "区域の版", "Area set"),
            Column::plain("areas", "区域数", "Areas", "区域"),
            Column::plain("blank_areas", "空白区域数", "空白 areas", "区域"),
            Column::plain("blank_population", "空白区域の人口", "Population in 空白 areas", "人"),
        ]);
        for r in 0..f.len() {
            out.rows.push(vec![
                f.value(r, "d"),
                Value::text(set.clone()),
                Value::opt_int(f.i64(r, "areas")),
                Value::opt_int(f.i64(r, "blank")),
                Value::opt_int(f.i64(r, "blank_pop")),
            ]);
        }
        Ok(out)
    })
}

pub const COVERAGE: MetricDef = MetricDef {
    name: "hospitals.specialist_coverage",
    group: Group::Hospitals,
    title_ja: "拠点病院と薬物療法専門医（構想区域別）",
    title_en: "Designated hospitals and medical oncologists per area",
    summary: "Per area: designated hospitals on the as-of date, active がん薬物療法専門医, and whether an area has a 拠点病院 but no such specialist.",
    summary_ja: "区域ごとに、基準日の指定病院と有効ながん薬物療法専門医の数、拠点病院があるのに専門医がいない区域を示します。",
    definition: "hubs = 拠点病院 (都道府県, 地域 incl. 高度型, 特定領域, 国立がん研究センター) in force on D with the area's \
        code; regional_hospitals = 地域がん診療病院; oncologists = がん薬物療法専門医 certificates with 認定日 ≤ D ≤ 有効期限 \
        whose 構想区域コード is the area's. status: 拠点病院あり・専門医なし, 空白・専門医あり, 空白・専門医なし, or 充足.",
    definition_ja: "拠点病院 = 基準日に有効で区域コードがその区域の拠点病院（都道府県、地域（高度型を含む）、特定領\
        域、国立がん研究センター）。地域がん診療病院 = 同じく地域がん診療病院。専門医 = 認定日 ≤ 基準日 ≤ 有効期限 の\
        がん薬物療法専門医の認定で、構想区域コードがその区域のもの。状態は「拠点病院あり・専門医なし」「空白・専門医\
        あり」「空白・専門医なし」「充足」のいずれかです。",
    unit: "人",
    sources: &["designations", "areas", "hospitals", "specialists"],
    caveats: &[
        AREA_SET_CAVEAT,
        "Specialists are placed by the 構想区域コード of their workplace; certificates without one are not counted.",
    ],
    caveats_ja: &[AREA_SET_CAVEAT_JA, "専門医は勤務先の構想区域コードで区域に置きます。コードのない認定は数えません。"],
    by: &[""],
    params: &[
        AREA_SET_PARAM,
        ParamSpec {
            name: "only",
            kind: ParamKind::Choice(&["all", "hub_without_oncologist", "blank"]),
            default: "all",
            doc: "all areas, only those with a 拠点病院 and no active がん薬物療法専門医, or only 空白 areas",
            doc_ja: "すべての区域、拠点病院があり有効ながん薬物療法専門医がいない区域のみ、または空白の区域のみ",
            required: false,
        },
    ],
    audiences: ALL,
    eval: coverage,
};

fn coverage<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let set = area_set(cx).await?;
        let d = cx.as_of_sql();
        let f = cx
            .frame_with(
                &format!(
                    "WITH {PLACED}
                 SELECT a.area_code, a.area_name, a.prefecture_code, a.population_2020,
                        COALESCE(h.hubs, 0) AS hubs, COALESCE(h.rch, 0) AS rch, COALESCE(s.n, 0) AS onc
                 FROM areas a
                 LEFT JOIN (SELECT set_area,
                                   SUM(CASE WHEN is_hub(designation) THEN 1 ELSE 0 END) AS hubs,
                                   SUM(CASE WHEN is_regional_cancer_hospital(designation) THEN 1 ELSE 0 END) AS rch
                            FROM placed WHERE {on} GROUP BY set_area) h ON h.set_area = a.area_code
                 LEFT JOIN (SELECT u.set_area, COUNT(*) AS n FROM specialists sp JOIN units u ON u.unit = sp.area_code
                            WHERE sp.qualification = $2 AND sp.certified_on <= {d} AND sp.expires_on >= {d}
                            GROUP BY u.set_area) s ON s.set_area = a.area_code
                 WHERE a.area_set = $1 ORDER BY a.area_code",
                    on = designated_on(&d),
                ),
                &[&set, MEDICAL_ONCOLOGIST],
            )
            .await?;
        let only = cx.text("only");
        let mut out = Output::new(vec![
            Column::dim("area_code", "構想区域コード", "Area code"),
            Column::label("area_name", "構想区域", "Area"),
            Column::label("prefecture", "都道府県", "Prefecture"),
            Column::plain("population_2020", "人口（2020年）", "Population (2020)", "人"),
            Column::plain("hubs", "拠点病院", "拠点病院", "施設"),
            Column::plain("regional_hospitals", "地域がん診療病院", "地域がん診療病院", "施設"),
            Column::people("oncologists", "がん薬物療法専門医", "Medical oncologists"),
            Column::derived("oncologists_per_100k", "人口10万対", "Per 100,000", "人"),
            Column::plain("status", "状況", "Status", ""),
        ]);
        for r in 0..f.len() {
            let (hubs, rch, onc) =
                (f.i64(r, "hubs").unwrap_or(0), f.i64(r, "rch").unwrap_or(0), f.i64(r, "onc").unwrap_or(0));
            let status = match (hubs > 0, hubs + rch > 0, onc > 0) {
                (true, _, false) => "拠点病院あり・専門医なし",
                (_, false, true) => "空白・専門医あり",
                (_, false, false) => "空白・専門医なし",
                (false, true, false) => "地域がん診療病院のみ・専門医なし",
                _ => "充足",
            };
            let keep = match only.as_str() {
                "hub_without_oncologist" => hubs > 0 && onc == 0,
                "blank" => hubs + rch == 0,
                _ => true,
            };
            if !keep {
                continue;
            }
            let pop = f.i64(r, "population_2020");
            let (_, pname) = prefecture_cells(f.i64(r, "prefecture_code"));
            out.rows.push(vec![
                Value::text(f.text(r, "area_code").unwrap_or_default()),
                Value::text(f.text(r, "area_name").unwrap_or_default()),
                pname,
                Value::opt_int(pop),
                Value::Int(hubs),
                Value::Int(rch),
                Value::Int(onc),
                Value::opt_num(pop.filter(|p| *p > 0).map(|p| onc as f64 * 100_000.0 / p as f64)),
                Value::text(status),
            ]);
        }
        Ok(out)
    })
}
