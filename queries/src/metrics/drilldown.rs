//! The drill-down from a prefecture to its areas and from an area to its designated
//! hospitals: public reference data only (no person counts), so nothing is withheld.

use super::common::{AREA_SET_PARAM, blank_area_set, prefecture_cells};
use super::hospitals::{AREA_COLUMNS, AREA_SET_CAVEAT, AREA_SET_CAVEAT_JA, area_cells, designated_on, type_order};
use crate::metric::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec};
use crate::result::{Column, Value};

const PREFECTURE_PARAM: ParamSpec = ParamSpec {
    name: "prefecture",
    kind: ParamKind::Int { min: 1, max: 47 },
    default: "",
    doc: "都道府県コード 1–47 (default: every prefecture)",
    doc_ja: "都道府県コード 1–47（既定: すべての都道府県）",
    required: false,
};

pub const AREAS: MetricDef = MetricDef {
    name: "hospitals.areas",
    group: Group::Hospitals,
    title_ja: "構想区域別の指定状況",
    title_en: "Designations per area",
    summary: "Per area of the set: designated hospitals on the as-of date by kind, and whether the area is 空白.",
    summary_ja: "区域の組ごとに、基準日に指定されている病院を類型別に数え、その区域が空白かどうかを示します。",
    definition: "For each area of the area set (optionally one prefecture's): hubs = 拠点病院 (都道府県, 地域 incl. 高度型, \
        特定領域, 国立がん研究センター) in force on D with the area's code; regional_hospitals = 地域がん診療病院; \
        prefecture_own = 都道府県独自指定; blank = no hub and no 地域がん診療病院 (as in hospitals.blank_areas). \
        hospitals lists the designated hospitals' names.",
    definition_ja: "区域の種類の各区域（都道府県を指定したときはその都道府県の区域）について: 拠点病院 = 基準日に有\
        効で区域コードがその区域の拠点病院（都道府県、地域（高度型を含む）、特定領域、国立がん研究センター）、地域が\
        ん診療病院の数、都道府県独自指定の数、空白 = 拠点病院も地域がん診療病院もないこと（空白の区域と同じ）。指定\
        病院の名称も示します。",
    unit: "施設",
    sources: &["designations", "areas", "hospitals"],
    caveats: &[AREA_SET_CAVEAT],
    caveats_ja: &[AREA_SET_CAVEAT_JA],
    by: &[""],
    params: &[AREA_SET_PARAM, PREFECTURE_PARAM],
    audiences: ALL,
    eval: areas,
};

fn areas<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let set = blank_area_set(cx).await?;
        let d = cx.as_of_sql();
        let pref = cx.int("prefecture")?;
        let f = cx
            .frame_with(
                &format!(
                    "WITH {placed}
                 SELECT a.area_code, a.area_name, a.prefecture_code, a.population_2020, a.parts, a.note,
                        COALESCE(h.hubs, 0) AS hubs, COALESCE(h.rch, 0) AS rch, COALESCE(h.own, 0) AS own,
                        COALESCE(h.covering, 0) AS covering, h.names
                 FROM areas a
                 LEFT JOIN (SELECT set_area,
                                   SUM(CASE WHEN is_hub(designation) THEN 1 ELSE 0 END) AS hubs,
                                   SUM(CASE WHEN is_regional_cancer_hospital(designation) THEN 1 ELSE 0 END) AS rch,
                                   SUM(CASE WHEN is_prefecture_own(designation) THEN 1 ELSE 0 END) AS own,
                                   SUM(CASE WHEN covers_area(designation) THEN 1 ELSE 0 END) AS covering,
                                   string_agg(hospital, '\t') AS names
                            FROM placed WHERE {on} GROUP BY set_area) h ON h.set_area = a.area_code
                 WHERE a.area_set = $1 {pref_filter} ORDER BY a.area_code",
                    placed = super::hospitals::PLACED,
                    on = designated_on(&d),
                    pref_filter = pref.map(|p| format!("AND a.prefecture_code = {p}")).unwrap_or_default(),
                ),
                &[&set],
            )
            .await?;
        let mut columns = AREA_COLUMNS.to_vec();
        columns.extend([
            Column::plain("hubs", "拠点病院", "拠点病院", "施設"),
            Column::plain("regional_hospitals", "地域がん診療病院", "地域がん診療病院", "施設"),
            Column::plain("prefecture_own", "都道府県独自指定", "Prefecture's own designation", "施設"),
            Column::plain("blank", "空白", "空白", ""),
            Column::label("hospitals", "指定病院", "Designated hospitals"),
            Column::label("parts", "構成区域", "Made of"),
            Column::label("note", "区域の定義の注記", "How the area is defined"),
        ]);
        let mut out = Output::new(columns);
        for r in 0..f.len() {
            let mut row = area_cells(&f, r);
            row.extend([
                Value::opt_int(f.i64(r, "hubs")),
                Value::opt_int(f.i64(r, "rch")),
                Value::opt_int(f.i64(r, "own")),
                Value::Bool(f.i64(r, "covering").unwrap_or(0) == 0),
                Value::text(names(&f.text(r, "names").unwrap_or_default())),
                Value::text(f.text(r, "parts").unwrap_or_default()),
                Value::text(f.text(r, "note").unwrap_or_default()),
            ]);
            out.rows.push(row);
        }
        if out.rows.is_empty() {
            let p = pref.map(|p| p.to_string()).unwrap_or_default();
            return Err(cx.bad(
                "prefecture",
                &p,
                &format!("no area of {set} in this prefecture / 該当する構想区域がありません"),
            ));
        }
        Ok(out)
    })
}

pub const LIST: MetricDef = MetricDef {
    name: "hospitals.list",
    group: Group::Hospitals,
    title_ja: "指定病院の一覧",
    title_en: "Designated hospitals",
    summary: "The designations in force on the as-of date (or every designation ever made), by prefecture, area or hospital.",
    summary_ja: "基準日に有効な指定（またはこれまでのすべての指定）を、都道府県・区域・病院で絞って一覧にします。",
    definition: "Rows of designations, one per hospital and designation period, filtered by 都道府県コード, 構想区域コード \
        or hospital name (exact). With history=in_force only those in force on D (指定開始日 ≤ D ≤ 指定終了日 or open); \
        with history=all every period, in_force telling which hold on D.",
    definition_ja: "指定を、病院と指定期間ごとに一行で示します。都道府県コード、構想区域コード、医療機関名（完全一致）\
        で絞れます。「基準日に有効な指定のみ」では基準日に有効な指定（指定開始日 ≤ 基準日 ≤ 指定終了日、または終了日\
        なし）だけを、「すべての指定期間」ではすべての期間を示し、基準日に有効かどうかを列で示します。",
    unit: "施設",
    sources: &["designations", "areas", "hospitals"],
    caveats: &["Hospitals are matched by name as the designation lists write it."],
    caveats_ja: &["病院は指定一覧に書かれた名称で照合しています。"],
    by: &[""],
    params: &[
        PREFECTURE_PARAM,
        AREA_SET_PARAM,
        ParamSpec {
            name: "area",
            kind: ParamKind::Text,
            default: "",
            doc: "構想区域コード, e.g. 1301",
            doc_ja: "構想区域コード（例: 1301）",
            required: false,
        },
        ParamSpec {
            name: "hospital",
            kind: ParamKind::Text,
            default: "",
            doc: "医療機関名 (exact)",
            doc_ja: "医療機関名（完全一致）",
            required: false,
        },
        ParamSpec {
            name: "history",
            kind: ParamKind::Choice(&["in_force", "all"]),
            default: "in_force",
            doc: "in_force: designations in force on the as-of date; all: every designation period",
            doc_ja: "基準日に有効な指定のみ、またはすべての指定期間",
            required: false,
        },
    ],
    audiences: ALL,
    eval: list,
};

/// The area set an area code belongs to when it is an area made of others (a がん医療圏 of its
/// own, such as 香川's 大川): the chosen `area_set` if that set is made of others, else the first
/// such set holding the code — `None` when the code is a 構想区域's (its designations carry it).
async fn area_of_set(cx: &Cx<'_>, area: &str) -> crate::error::Result<Option<String>> {
    let sets = cx.snapshot.area_sets().await?;
    let chosen = cx.text("area_set");
    if !chosen.is_empty() {
        return Ok(sets.grouped(&chosen).then_some(chosen));
    }
    let f =
        cx.frame_with("SELECT DISTINCT area_set FROM areas WHERE area_code = $1 ORDER BY area_set", &[area]).await?;
    let holding: Vec<String> = (0..f.len()).filter_map(|r| f.text(r, "area_set")).collect();
    if holding.iter().any(|s| !sets.grouped(s)) {
        return Ok(None);
    }
    Ok(holding.into_iter().next())
}

/// Tab-separated hospital names as a sorted list without repeats.
fn names(joined: &str) -> String {
    let mut v: Vec<&str> = joined.split('\t').filter(|s| !s.is_empty()).collect();
    v.sort_unstable();
    v.dedup();
    v.join("、")
}

fn list<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let d = cx.as_of_sql();
        let on = designated_on(&d);
        let mut filters = Vec::new();
        let mut values: Vec<String> = Vec::new();
        if let Some(p) = cx.int("prefecture")? {
            filters.push(format!("prefecture_code = {p}"));
        }
        // An area of a がん医療圏 set holds the designations placed in it (by 構想区域 or
        // municipality), not those with its code.
        let mut placed = String::new();
        let area = cx.text("area").trim().to_string();
        if !area.is_empty() {
            match area_of_set(cx, &area).await? {
                Some(set) => {
                    values.extend([set, area]);
                    placed = format!(
                        "WITH {}, here AS (SELECT DISTINCT prefecture_code AS p, hospital AS h FROM placed WHERE set_area = $2) ",
                        super::hospitals::PLACED
                    );
                    filters.push(
                        "EXISTS (SELECT 1 FROM here WHERE here.p = prefecture_code AND here.h = hospital)".into(),
                    );
                }
                None => {
                    values.push(area);
                    filters.push(format!("area_code = ${}", values.len()));
                }
            }
        }
        let v = cx.text("hospital");
        if !v.trim().is_empty() {
            values.push(v.trim().to_string());
            filters.push(format!("hospital = ${}", values.len()));
        }
        if cx.text("history") != "all" {
            filters.push(on.clone());
        }
        let wh = if filters.is_empty() { String::new() } else { format!("WHERE {}", filters.join(" AND ")) };
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let f = cx
            .frame_with(
                &format!(
                    "{placed}SELECT hospital, designation, prefecture_code, area_code, area_name, designated_from,
                            designated_until, partner, {on} AS in_force
                     FROM designations {wh} ORDER BY prefecture_code, area_code, hospital, designated_from"
                ),
                &values,
            )
            .await?;
        let mut rows = Vec::new();
        for r in 0..f.len() {
            let label = f.text(r, "designation").unwrap_or_default();
            let code = f.i64(r, "prefecture_code");
            let (c, n) = prefecture_cells(code);
            let key = (
                code.unwrap_or(99),
                f.text(r, "area_code").unwrap_or_default(),
                f.text(r, "hospital").unwrap_or_default(),
                type_order(&label),
            );
            rows.push((
                key,
                vec![
                    Value::text(f.text(r, "hospital").unwrap_or_default()),
                    Value::text(label),
                    f.value(r, "designated_from"),
                    c,
                    n,
                    Value::text(f.text(r, "area_code").unwrap_or_default()),
                    Value::text(f.text(r, "area_name").unwrap_or_default()),
                    f.value(r, "designated_until"),
                    Value::text(f.text(r, "partner").unwrap_or_default()),
                    f.value(r, "in_force"),
                ],
            ));
        }
        // Stable: designated_from order within (prefecture, area, hospital, type) is kept.
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = Output::new(vec![
            Column::dim("hospital", "医療機関名", "Hospital"),
            Column::dim("designation", "指定類型", "Designation"),
            Column::dim("designated_from", "指定開始日", "Designated from"),
            Column::label("prefecture_code", "都道府県コード", "Prefecture code"),
            Column::label("prefecture", "都道府県", "Prefecture"),
            Column::label("area_code", "構想区域コード", "Area code"),
            Column::label("area_name", "構想区域", "Area"),
            Column::label("designated_until", "指定終了日", "Designated until"),
            Column::label("partner", "連携先", "Partner"),
            Column::plain("in_force", "基準日に有効", "In force on the date", ""),
        ]);
        out.rows = rows.into_iter().map(|r| r.1).collect();
        Ok(out)
    })
}
