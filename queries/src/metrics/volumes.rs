//! The designation volumes (現況報告): each hospital's four volumes against the 2014
//! guideline's thresholds, and their summary by 年度.

use model::rules::RULES_2026;

use crate::error::Result;
use crate::metric::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec};
use crate::result::{Column, Value};

pub const VOLUME_CHECK: MetricDef = MetricDef {
    name: "hospitals.volume_check",
    group: Group::Hospitals,
    title_ja: "指定要件の診療実績（病院別）",
    title_en: "Designation volumes per hospital",
    summary: "Per hospital and 年度: the four volumes and which of 院内がん登録 500, 手術 400, 化学療法 1,000, 放射線治療 200 it meets.",
    summary_ja: "病院・年度ごとに 4 つの診療実績と、院内がん登録 500・手術 400・化学療法 1,000・放射線治療 200 のどれを満たすかを示します。",
    definition: "From the hospital_volumes rows of the chosen 年度: meets_X = volume ≥ the 2014 guideline threshold \
        (rule set 2026); meets_all = all four (the absolute criterion). meets_relative = the hospital treats at least 20% \
        of its area's resident cancer patients (当該2次医療圏に居住するがん患者の診療の割合, as the ministry's 現況報告 gives \
        it), the relative criterion the guideline allows instead. criterion says which the hospital meets. A missing \
        figure meets nothing.",
    definition_ja: "選んだ年度の診療実績の行について、実績が2014年の整備指針の基準値（規則 2026年版）以上ならその項\
        目を満たすとし、4項目すべてを満たすか（絶対基準）を示します。また、当該2次医療圏に居住するがん患者の診療の\
        割合（厚生労働省の現況報告の値）が2割以上か（指針が代わりに認める相対基準）を示し、どちらの基準を満たすか\
        を「満たす基準」に示します。実績が空欄の項目は満たさないとします。",
    unit: "件",
    sources: &["hospital_volumes"],
    caveats: &["The relative criterion needs the resident share, which only the ministry's 現況報告 layout carries."],
    caveats_ja: &["相対基準の判定には居住患者の診療割合が必要で、これは厚生労働省の現況報告の形式にだけあります。"],
    by: &[""],
    params: &[
        ParamSpec {
            name: "fiscal_year",
            kind: ParamKind::Int { min: 1900, max: 2100 },
            default: "",
            doc: "年度 (default: the latest loaded)",
            doc_ja: "年度（既定: 最新のもの）",
            required: false,
        },
        ParamSpec {
            name: "hospital",
            kind: ParamKind::Text,
            default: "",
            doc: "医療機関名 (exact; default: every hospital)",
            doc_ja: "医療機関名（完全一致。既定: すべての病院）",
            required: false,
        },
    ],
    audiences: ALL,
    eval: volume_check,
};

async fn chosen_fy(cx: &Cx<'_>) -> Result<i64> {
    match cx.int("fiscal_year")? {
        Some(y) => Ok(y),
        None => {
            let f = cx.frame("SELECT MAX(fiscal_year) AS y FROM hospital_volumes").await?;
            f.i64(0, "y").ok_or_else(|| cx.bad("fiscal_year", "", "no volumes loaded / 診療実績が未登録です"))
        }
    }
}

fn volume_check<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let fy = chosen_fy(cx).await?;
        let v = RULES_2026.volumes;
        let hospital = cx.text("hospital");
        let hospital = hospital.trim();
        let (only, values): (&str, Vec<&str>) =
            if hospital.is_empty() { ("", Vec::new()) } else { ("AND hospital = $1", vec![hospital]) };
        let f = cx
            .frame_with(
                &format!(
                    "SELECT hospital, area_code, cancer_registry, surgery, chemotherapy, radiotherapy, resident_share_pct
                     FROM hospital_volumes WHERE fiscal_year = {fy} {only} ORDER BY area_code, hospital"
                ),
                &values,
            )
            .await?;
        let mut out = Output::new(vec![
            Column::dim("hospital", "医療機関名", "Hospital"),
            Column::label("area_code", "構想区域コード", "Area code"),
            Column::label("fiscal_year", "年度", "Fiscal year"),
            Column::plain("cancer_registry", "院内がん登録数", "Hospital cancer registry", "件"),
            Column::plain("surgery", "悪性腫瘍手術件数", "Cancer surgery", "件"),
            Column::plain("chemotherapy", "化学療法のべ患者数", "Chemotherapy patients", "人"),
            Column::plain("radiotherapy", "放射線治療のべ患者数", "Radiotherapy patients", "人"),
            Column::plain("meets_registry", "登録 500以上", "Registry ≥ 500", ""),
            Column::plain("meets_surgery", "手術 400以上", "Surgery ≥ 400", ""),
            Column::plain("meets_chemotherapy", "化学療法 1,000以上", "Chemotherapy ≥ 1,000", ""),
            Column::plain("meets_radiotherapy", "放射線 200以上", "Radiotherapy ≥ 200", ""),
            Column::plain("meets_all", "4要件すべて", "All four", ""),
            Column::plain("resident_share_pct", "居住患者の診療割合", "Share of the area's resident patients", "%"),
            Column::plain("meets_relative", "相対基準（2割以上）", "Relative criterion (≥ 20%)", ""),
            Column::plain("criterion", "満たす基準", "Criterion met", ""),
        ]);
        let limits = [
            ("cancer_registry", v.registry),
            ("surgery", v.surgery),
            ("chemotherapy", v.chemotherapy),
            ("radiotherapy", v.radiotherapy),
        ];
        for r in 0..f.len() {
            let mut row = vec![
                Value::text(f.text(r, "hospital").unwrap_or_default()),
                Value::text(f.text(r, "area_code").unwrap_or_default()),
                Value::Int(fy),
            ];
            let vals: Vec<Option<i64>> = limits.iter().map(|(c, _)| f.i64(r, c)).collect();
            row.extend(vals.iter().map(|x| Value::opt_int(*x)));
            let meets: Vec<bool> =
                vals.iter().zip(limits).map(|(x, (_, lim))| x.is_some_and(|x| x >= i64::from(lim))).collect();
            row.extend(meets.iter().map(|m| Value::Bool(*m)));
            let all = meets.iter().all(|m| *m);
            row.push(Value::Bool(all));
            let share = f.f64(r, "resident_share_pct");
            let relative = share.is_some_and(|s| s >= f64::from(v.resident_share_pct));
            row.extend([
                Value::opt_num(share),
                Value::Bool(relative),
                Value::text(criterion(all, relative, share.is_some())),
            ]);
            out.rows.push(row);
        }
        Ok(out)
    })
}

/// Which criterion a hospital meets, in words.
fn criterion(absolute: bool, relative: bool, share_known: bool) -> &'static str {
    match (absolute, relative) {
        (true, true) => "両方",
        (true, false) => "絶対基準（4要件）",
        (false, true) => "相対基準（居住患者の2割）",
        (false, false) if share_known => "どちらも満たさない",
        (false, false) => "絶対基準を満たさない（割合の報告なし）",
    }
}

pub const VOLUME_SUMMARY: MetricDef = MetricDef {
    name: "hospitals.volume_summary",
    group: Group::Hospitals,
    title_ja: "指定要件の診療実績（年度別の集計）",
    title_en: "Designation volumes by 年度",
    summary: "Per 年度: hospitals reporting volumes and how many meet each of the four thresholds and all of them.",
    summary_ja: "年度ごとに、実績を報告した病院数と、4 つの基準それぞれ・すべてを満たす病院数を示します。",
    definition: "Counts over hospital_volumes rows per 年度 with the thresholds of hospitals.volume_check.",
    definition_ja: "診療実績の行を年度ごとに、指定病院の実績の判定と同じ基準値で数えたものです。",
    unit: "施設",
    sources: &["hospital_volumes"],
    caveats: &[],
    caveats_ja: &[],
    by: &["fiscal_year"],
    params: &[],
    audiences: ALL,
    eval: volume_summary,
};

fn volume_summary<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let v = RULES_2026.volumes;
        let f = cx
            .frame(&format!(
                "SELECT fiscal_year, COUNT(*) AS n,
                        SUM(CASE WHEN cancer_registry >= {r} THEN 1 ELSE 0 END) AS a,
                        SUM(CASE WHEN surgery >= {s} THEN 1 ELSE 0 END) AS b,
                        SUM(CASE WHEN chemotherapy >= {c} THEN 1 ELSE 0 END) AS c,
                        SUM(CASE WHEN radiotherapy >= {x} THEN 1 ELSE 0 END) AS d,
                        SUM(CASE WHEN cancer_registry >= {r} AND surgery >= {s} AND chemotherapy >= {c}
                                  AND radiotherapy >= {x} THEN 1 ELSE 0 END) AS e
                 FROM hospital_volumes GROUP BY fiscal_year ORDER BY fiscal_year",
                r = v.registry,
                s = v.surgery,
                c = v.chemotherapy,
                x = v.radiotherapy
            ))
            .await?;
        let mut out = Output::new(vec![
            Column::dim("fiscal_year", "年度", "Fiscal year"),
            Column::plain("hospitals", "報告施設数", "Hospitals reporting", "施設"),
            Column::plain("meets_registry", "登録 500以上", "Registry ≥ 500", "施設"),
            Column::plain("meets_surgery", "手術 400以上", "Surgery ≥ 400", "施設"),
            Column::plain("meets_chemotherapy", "化学療法 1,000以上", "Chemotherapy ≥ 1,000", "施設"),
            Column::plain("meets_radiotherapy", "放射線 200以上", "Radiotherapy ≥ 200", "施設"),
            Column::plain("meets_all", "4要件すべて", "All four", "施設"),
        ]);
        for r in 0..f.len() {
            out.rows.push(["fiscal_year", "n", "a", "b", "c", "d", "e"].iter().map(|c| f.value(r, c)).collect());
        }
        Ok(out)
    })
}
