//! Renewal readiness (がん薬物療法専門医, がん治療認定医): the cohort due in each round,
//! how many are ready, which requirement blocks the rest, and per applicant what is
//! missing in the societies' own words. Over `renewal_status` and `renewal_findings`
//! (see [`crate::renewal_status`]).

use model::renewal::{QUALIFICATIONS, REQUIREMENTS};

use crate::error::Result;
use crate::frame::Frame;
use crate::metric::{ALL, COMMITTEE_ONLY, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec};
use crate::renewal_status::{NOT_APPLIED, NOT_READY, READY, RenewalInfo, SOURCES, outcome_sql};
use crate::result::{Column, Value};

const COHORT_DEF: &str = "Due in round R (更新年度): a certificate of the register linked to a member whose 5-year \
    cycle ends in 年度 R (有効期限 2027-03-31 → R = 2026), or anyone whose application for R is loaded. Ready \
    (準備完了): an application with no unmet requirement under the rule set (`model::renewal`, version 2026); \
    未充足: an application with at least one; 未申請: due, no application loaded.";
const COHORT_DEF_JA: &str = "更新年度 R の対象者: 会員に結び付いた認定で、5年の認定期間が年度 R に終わるもの（有効期\
    限 2027-03-31 なら R = 2026）、または年度 R の申請が取り込まれている人です。準備完了: 規則（2026年版）のもとで満\
    たしていない要件がない申請。未充足: 満たしていない要件が一つ以上ある申請。未申請: 対象だが申請が取り込まれていな\
    い人。";
const RULES_CAVEAT: &str = "Rules are versioned data; earlier rounds are checked with the first version (2026). \
    A parameter the seeds do not state (jsmo.min_credits) uses its documented default until set with \
    ONCOMETRICS_RENEWAL_PARAMS, and the approved other-society meetings count without a list until \
    ONCOMETRICS_JSMO_APPROVED_MEETINGS names one; every result says so. The rules are listed in docs/renewals.md.";
const RULES_CAVEAT_JA: &str = "更新の規則は版を持つデータです。それより前の更新年度も最初の版（2026年版）で判定しま\
    す。学会の資料に書かれていない値（がん薬物療法専門医の必要単位数）は管理者が設定するまで既定値を使い、承認された\
    他学会の学術集会は管理者が一覧を指定するまで一覧なしで数えます。どの結果にもその旨を表示します。";

const ROUND_PARAM: ParamSpec = ParamSpec {
    name: "round",
    kind: ParamKind::Int { min: 2000, max: 2100 },
    default: "",
    doc: "更新年度 (default: the round open on the as-of date)",
    doc_ja: "更新年度（既定: 基準日に受付中の年度）",
    required: false,
};
const QUALIFICATION_PARAM: ParamSpec = ParamSpec {
    name: "qualification",
    kind: ParamKind::Choice(&["", QUALIFICATIONS[0], QUALIFICATIONS[1]]),
    default: "",
    doc: "資格 (default: both)",
    doc_ja: "資格（既定: 両方）",
    required: false,
};

/// Notes every renewal result carries: the rule version and unset parameters.
fn rule_notes(out: &mut Output, info: &RenewalInfo) {
    out.note(
        format!("更新要件は規則セット {} で判定しています。", info.version),
        format!("checked with rule set {}", info.version),
    );
    for (ja, en) in &info.unset {
        out.note(ja.clone(), en.clone());
    }
}

/// The qualification filter: `$1` is the `qualification` parameter, empty for both.
const QUALIFICATION_FILTER: &str = "(qualification = $1 OR $1 = '')";

/// Copies every row of `f` into `out`, column by column as `out` names them.
fn copy_rows(out: &mut Output, f: &Frame) {
    for r in 0..f.len() {
        let row = out.columns.iter().map(|c| f.value(r, c.name)).collect();
        out.rows.push(row);
    }
}

async fn round(cx: &Cx<'_>, info: &RenewalInfo) -> Result<i32> {
    Ok(cx.int("round")?.map_or_else(|| info.round_on(cx.as_of), |r| r as i32))
}

/// The outcome of each due certificate on the request's as-of date.
fn outcome(cx: &Cx<'_>) -> String {
    outcome_sql(&cx.as_of_sql())
}

pub const COHORT: MetricDef = MetricDef {
    name: "renewals.cohort",
    group: Group::Renewals,
    title_ja: "更新対象者と準備状況（年度別）",
    title_en: "Renewal cohort and readiness by round",
    summary: "Per 資格 and 更新年度: certificates due, applications, ready, not ready, no application, and the outcome.",
    summary_ja: "資格・更新年度ごとに、更新対象、申請、準備完了、未充足、未申請の人数と結果を示します。",
    definition: COHORT_DEF,
    definition_ja: COHORT_DEF_JA,
    unit: "人",
    sources: SOURCES,
    caveats: &[
        RULES_CAVEAT,
        "Outcome: 更新済 when the certificate's expiry moved past the round; 失効 when it \
        expired before the as-of date; 期限前 while it has not expired.",
    ],
    caveats_ja: &[
        RULES_CAVEAT_JA,
        "結果: 更新済 = 認定の有効期限がその更新年度より後に延びたもの。失効 = 基準日より前に有効期限が過ぎたもの。\
            期限前 = まだ有効期限が過ぎていないもの。",
    ],
    by: &[""],
    params: &[QUALIFICATION_PARAM],
    audiences: ALL,
    eval: cohort,
};

fn cohort<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let info = cx.snapshot.renewals().await?;
        let info = &*info;
        let f = cx
            .frame_with(
                &format!(
                    "SELECT qualification, renewal_fy, COUNT(*) AS due,
                        SUM(CASE WHEN applied THEN 1 ELSE 0 END) AS applied,
                        SUM(CASE WHEN ready THEN 1 ELSE 0 END) AS ready,
                        SUM(CASE WHEN applied AND NOT ready THEN 1 ELSE 0 END) AS not_ready,
                        SUM(CASE WHEN NOT applied THEN 1 ELSE 0 END) AS not_applied,
                        SUM(CASE WHEN outcome = '更新済' THEN 1 ELSE 0 END) AS renewed,
                        SUM(CASE WHEN outcome = '失効' THEN 1 ELSE 0 END) AS lapsed
                 FROM (SELECT *, {} AS outcome FROM renewal_status) WHERE {QUALIFICATION_FILTER}
                 GROUP BY 1, 2 ORDER BY 1 DESC, 2",
                    outcome(cx),
                ),
                &[&cx.text("qualification")],
            )
            .await?;
        let mut out = Output::new(vec![
            Column::dim("qualification", "資格", "Qualification"),
            Column::dim("renewal_fy", "更新年度", "Round"),
            Column::people("due", "更新対象", "Due"),
            Column::people("applied", "申請あり", "Applied"),
            Column::people("ready", "準備完了", "Ready"),
            Column::people("not_ready", "未充足", "Not ready"),
            Column::people("not_applied", "未申請", "No application"),
            Column::derived("ready_share", "準備完了の割合", "Ready share", "%"),
            Column::people("renewed", "更新済", "Renewed"),
            Column::people("lapsed", "失効", "Lapsed"),
        ]);
        for r in 0..f.len() {
            let n = |c: &str| f.i64(r, c).unwrap_or(0);
            let share = (n("due") > 0).then(|| 100.0 * n("ready") as f64 / n("due") as f64);
            out.rows.push(vec![
                f.value(r, "qualification"),
                f.value(r, "renewal_fy"),
                Value::Int(n("due")),
                Value::Int(n("applied")),
                Value::Int(n("ready")),
                Value::Int(n("not_ready")),
                Value::Int(n("not_applied")),
                Value::opt_num(share),
                Value::Int(n("renewed")),
                Value::Int(n("lapsed")),
            ]);
        }
        out.non_additive.push("ready_share");
        let open = info.round_on(cx.as_of);
        out.note(format!("{open} 年度が受付中の更新年度です。"), format!("{open} is the round open on the as-of date"));
        rule_notes(&mut out, info);
        Ok(out)
    })
}

pub const BLOCKERS: MetricDef = MetricDef {
    name: "renewals.blockers",
    group: Group::Renewals,
    title_ja: "更新の未充足要件（要件別）",
    title_en: "Unmet renewal requirements",
    summary: "Per 資格, 更新年度 and requirement: applicants not ready because of it, applicants with a case it \
        takes out of the count, and applicants with a warning on it.",
    summary_ja: "資格・更新年度・要件ごとに、その要件で未充足の申請者、症例が対象外になった申請者、要確認の申請者を数えます。",
    definition: "An applicant counts once per requirement with at least one unmet finding of it (an applicant may \
        miss several, so the rows do not add up to the not-ready total); excluded = applicants with at least one \
        case that does not count for that reason (対象外: it blocks only when fewer than 20 cases count, which is \
        then a 症例数 blocker); warned = applicants with a warning (要確認) of that requirement. Requirements are \
        those of `model::renewal::REQUIREMENTS`.",
    definition_ja: "満たしていない所見が一つ以上ある要件ごとに、申請者を一回ずつ数えます（一人が複数の要件を満たさな\
        いことがあるため、行の合計は未充足の人数と一致しません）。対象外 = その理由で数えられない症例が一つ以上ある\
        申請者（対象外の症例は、数えられる症例が20に満たないときだけ症例数の不足となります）。要確認 = その要件に確\
        認が必要な所見がある申請者です。",
    unit: "人",
    sources: SOURCES,
    caveats: &[RULES_CAVEAT],
    caveats_ja: &[RULES_CAVEAT_JA],
    by: &[""],
    params: &[QUALIFICATION_PARAM, ROUND_PARAM],
    audiences: ALL,
    eval: blockers,
};

fn blockers<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let info = cx.snapshot.renewals().await?;
        let info = &*info;
        let round_filter = match cx.int("round")? {
            Some(r) => format!("renewal_fy = {r}"),
            None => "TRUE".into(),
        };
        let q = cx.text("qualification");
        let f = cx
            .frame_with(
                &format!(
                    "SELECT qualification, renewal_fy, code,
                        COUNT(DISTINCT CASE WHEN severity = '未充足' THEN certificate_no END) AS blocked,
                        COUNT(DISTINCT CASE WHEN severity = '対象外' THEN certificate_no END) AS excluded,
                        COUNT(DISTINCT CASE WHEN severity = '要確認' THEN certificate_no END) AS warned
                 FROM renewal_findings WHERE {QUALIFICATION_FILTER} AND {round_filter} GROUP BY 1, 2, 3"
                ),
                &[&q],
            )
            .await?;
        let totals = cx
            .frame_with(
                &format!(
                "SELECT qualification, renewal_fy, SUM(CASE WHEN applied AND NOT ready THEN 1 ELSE 0 END) AS not_ready
                 FROM renewal_status WHERE {QUALIFICATION_FILTER} AND {round_filter} GROUP BY 1, 2"
            ),
                &[&q],
            )
            .await?;
        let mut out = Output::new(vec![
            Column::dim("qualification", "資格", "Qualification"),
            Column::dim("renewal_fy", "更新年度", "Round"),
            Column::dim("requirement", "要件", "Requirement"),
            Column::people("blocked", "未充足の申請者", "Applicants blocked"),
            Column::derived("blocked_share", "未充足者に占める割合", "Share of the not ready", "%"),
            Column::people("excluded", "対象外の症例がある申請者", "Applicants with a case not counted"),
            Column::people("warned", "要確認の申請者", "Applicants warned"),
        ]);
        let mut rounds: Vec<(String, i64, i64)> = (0..totals.len())
            .map(|r| {
                (
                    totals.text(r, "qualification").unwrap_or_default(),
                    totals.i64(r, "renewal_fy").unwrap_or(0),
                    totals.i64(r, "not_ready").unwrap_or(0),
                )
            })
            .collect();
        rounds.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (q, y, not_ready) in rounds {
            for req in REQUIREMENTS.iter().filter(|r| r.qualification == q) {
                let row = (0..f.len()).find(|&r| {
                    f.text(r, "qualification").as_deref() == Some(q.as_str())
                        && f.i64(r, "renewal_fy") == Some(y)
                        && f.text(r, "code").as_deref() == Some(req.code)
                });
                let n = |c: &str| row.and_then(|r| f.i64(r, c)).unwrap_or(0);
                let share = (not_ready > 0).then(|| 100.0 * n("blocked") as f64 / not_ready as f64);
                out.rows.push(vec![
                    Value::text(q.clone()),
                    Value::Int(y),
                    Value::text(req.ja),
                    Value::Int(n("blocked")),
                    Value::opt_num(share),
                    Value::Int(n("excluded")),
                    Value::Int(n("warned")),
                ]);
            }
        }
        out.non_additive.extend(["blocked", "blocked_share", "excluded", "warned"]);
        rule_notes(&mut out, info);
        Ok(out)
    })
}

pub const APPLICANTS: MetricDef = MetricDef {
    name: "renewals.applicants",
    group: Group::Renewals,
    title_ja: "更新申請者の準備状況（一覧）",
    title_en: "Renewal applicants and what blocks them",
    summary: "Per applicant due in a round: status, unmet requirements in the societies' words, and credits or eligible cases.",
    summary_ja: "更新年度の対象者ごとに、状態、未充足の要件（各学会の表現で）、業績単位または対象症例数を示します。",
    definition: "One row per certificate due or applied in the round (see renewals.cohort). Messages are those of \
        the checks, worded like the societies' systems (「業績単位が不足しています (現在 10 単位)」); up to three are \
        listed, the rest are in renewals.findings. Committee only: rows are people.",
    definition_ja: "更新年度の対象者または申請者ごとに一行です（更新の対象者を参照）。メッセージは学会の申請システム\
        と同じ書き方のチェック結果（「業績単位が不足しています (現在 10 単位)」）で、3つまで示し、残りは申請の所見に\
        あります。会員委員会のみ: 行が個人です。",
    unit: "",
    sources: SOURCES,
    caveats: &[RULES_CAVEAT],
    caveats_ja: &[RULES_CAVEAT_JA],
    by: &[""],
    params: &[
        QUALIFICATION_PARAM,
        ROUND_PARAM,
        ParamSpec {
            name: "status",
            kind: ParamKind::Choice(&["", READY, NOT_READY, NOT_APPLIED]),
            default: "",
            doc: "only this status (default: all)",
            doc_ja: "この状態のみ（既定: すべて）",
            required: false,
        },
    ],
    audiences: COMMITTEE_ONLY,
    eval: applicants,
};

fn applicants<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let info = cx.snapshot.renewals().await?;
        let info = &*info;
        let round = round(cx, info).await?;
        let status = cx.text("status");
        let f = cx
            .frame_with(&format!(
                "SELECT qualification, certificate_no, status, {} AS outcome, blockers, warnings,
                        first_requirement, measure, meetings, messages
                 FROM renewal_status
                 WHERE renewal_fy = {round} AND {QUALIFICATION_FILTER} AND (status = $2 OR $2 = '')
                 ORDER BY qualification DESC, CASE status WHEN '未充足' THEN 0 WHEN '未申請' THEN 1 ELSE 2 END, certificate_no",
                outcome(cx),
            ), &[&cx.text("qualification"), &status])
            .await?;
        let mut out = Output::new(vec![
            Column::dim("qualification", "資格", "Qualification"),
            Column::dim("certificate_no", "認定番号", "Certificate"),
            Column::label("status", "状態", "Status"),
            Column::label("outcome", "結果", "Outcome"),
            Column::plain("blockers", "未充足", "Unmet", "件"),
            Column::plain("warnings", "要確認", "Warnings", "件"),
            Column::label("first_requirement", "主な未充足要件", "First unmet requirement"),
            Column::plain("measure", "業績単位・症例数", "Credits or cases", ""),
            Column::plain("meetings", "学会参加", "Meetings", "回"),
            Column::label("messages", "未充足の内容", "What is missing"),
        ]);
        copy_rows(&mut out, &f);
        out.note(
            format!("{round} 年度の更新対象者と申請者です。"),
            format!("applicants and certificates due in round {round}"),
        );
        rule_notes(&mut out, info);
        Ok(out)
    })
}

pub const FINDINGS: MetricDef = MetricDef {
    name: "renewals.findings",
    group: Group::Renewals,
    title_ja: "更新申請のチェック結果（明細）",
    title_en: "Renewal check findings",
    summary: "Every finding of the applications of a round (or of one certificate): requirement, 未充足 or 要確認, place, message in Japanese and English.",
    summary_ja: "更新年度（または一人の申請）のチェック結果すべて：要件、未充足・対象外・要確認、場所、メッセージ。",
    definition: "The findings of `model::renewal` for each application, in the order the checks report them. \
        Committee only: rows are about people.",
    definition_ja: "申請ごとの更新規則の所見を、チェックが報告した順に示します。会員委員会のみ: 行が個人についての情\
        報です。",
    unit: "",
    sources: SOURCES,
    caveats: &[RULES_CAVEAT],
    caveats_ja: &[RULES_CAVEAT_JA],
    by: &[""],
    params: &[
        QUALIFICATION_PARAM,
        ROUND_PARAM,
        ParamSpec {
            name: "certificate_no",
            kind: ParamKind::Text,
            default: "",
            doc: "認定番号 (default: every applicant of the round)",
            doc_ja: "認定番号（既定: その年度のすべての申請者）",
            required: false,
        },
    ],
    audiences: COMMITTEE_ONLY,
    eval: findings,
};

fn findings<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let info = cx.snapshot.renewals().await?;
        let info = &*info;
        let round = round(cx, info).await?;
        let cert = cx.text("certificate_no");
        let f = cx
            .frame_with(
                &format!(
                    "SELECT qualification, certificate_no, seq, requirement, severity, place, message_ja, message_en
                 FROM renewal_findings
                 WHERE renewal_fy = {round} AND {QUALIFICATION_FILTER} AND (certificate_no = $2 OR $2 = '')
                 ORDER BY qualification DESC, certificate_no, seq"
                ),
                &[&cx.text("qualification"), &cert],
            )
            .await?;
        let mut out = Output::new(vec![
            Column::dim("qualification", "資格", "Qualification"),
            Column::dim("certificate_no", "認定番号", "Certificate"),
            Column::dim("seq", "No", "No"),
            Column::label("requirement", "要件", "Requirement"),
            Column::label("severity", "判定", "Severity"),
            Column::label("place", "箇所", "Place"),
            Column::label("message_ja", "内容", "Message (ja)"),
            Column::label("message_en", "内容（英語）", "Message (en)"),
        ]);
        copy_rows(&mut out, &f);
        if !cert.is_empty() && f.is_empty() {
            let known = cx
                .frame_with(
                    &format!("SELECT status FROM renewal_status WHERE renewal_fy = {round} AND certificate_no = $1"),
                    &[&cert],
                )
                .await?;
            match known.text(0, "status") {
                Some(s) => out.note(
                    format!("認定番号 {cert}: {s} (指摘事項なし)"),
                    format!("certificate {cert}: {s}, no findings"),
                ),
                None => {
                    return Err(cx.bad(
                        "certificate_no",
                        &cert,
                        &format!("not due or applied in round {round} / {round} 年度の対象者にありません"),
                    ));
                }
            }
        }
        rule_notes(&mut out, info);
        Ok(out)
    })
}
