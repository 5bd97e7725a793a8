//! Renewal applications for the rounds 2022–2026: JSMO (がん薬物療法専門医) and JBCT
//! (がん治療認定医), derived from the specialist rosters so that the applicants due in
//! a round are the certificates expiring at the end of it.
//!
//! JBCT applications are those of the society's members (the society cannot see the
//! others'). Renewed certificates had complete applications; lapsed ones had none or an
//! incomplete one; the 2026 round (open on the sample's today) mixes complete,
//! incomplete and missing applications, and every requirement fails for someone.

use chrono::Datelike;

mod jbct;
mod jsmo;
mod parts;

use super::members::ymd;
use super::rng::Rng;
use super::specialists::Certificate;
use super::write::Sheet;
use jbct::{JBCT_MODES, jbct};
use jsmo::{JSMO_MODES, jsmo};
use model::renewal::due_round;
use parts::Fate;
pub use parts::RenewalFiles;

/// The rounds the sample covers.
pub const ROUNDS: std::ops::RangeInclusive<i32> = 2022..=2026;

/// The rounds a certificate was due in, with whether it renewed and the renewals
/// before: due every 5 years from certification (the 年度 of each expiry); the last
/// due round is the one its current expiry falls in.
fn due_rounds(c: &Certificate) -> Vec<(i32, bool, u32)> {
    let last = due_round(c.expires);
    (0..=c.renewals)
        .map(|k| {
            let expiry = ymd(c.certified.year() + 5 * (k as i32 + 1), c.certified.month(), c.certified.day());
            (due_round(expiry - chrono::Days::new(1)), k)
        })
        .map(|(r, k)| (r, r < last, k))
        .filter(|(r, _, _)| ROUNDS.contains(r))
        .collect()
}

fn fate(rng: &mut Rng, round: i32, renewed: bool, modes: usize, seq: &mut usize) -> Fate {
    let open = round == *ROUNDS.end();
    let lapsed = !renewed && !open;
    if renewed || (open && rng.chance(0.62)) {
        return Fate::Complete;
    }
    if (lapsed && rng.chance(0.6)) || (open && rng.chance(0.3)) {
        return Fate::NotApplied;
    }
    // Cycle through the modes so that each appears, then pick at random.
    *seq += 1;
    Fate::Fails(if *seq <= modes { *seq - 1 } else { rng.below(modes as u64) as usize })
}

pub fn generate(rng: &mut Rng, certs: &[Certificate]) -> RenewalFiles {
    let mut f = RenewalFiles {
        jsmo: Sheet::new(&[
            "更新年度",
            "認定番号",
            "会員番号",
            "更新回数",
            "履歴書",
            "プロフィール",
            "研究活動歴",
            "研究業績 学会参加",
            "研究業績 論文",
            "業績目録",
            "プロフィール文字数",
            "研究活動歴件数",
            "研究活動歴期間",
            "診察実績領域",
            "薬物療法実績領域",
            "コンサルテーション実績領域",
            "特殊な検査・治療",
            "セカンドオピニオン",
            "臨床試験数",
            "筆記試験",
        ]),
        jsmo_credits: Sheet::new(&["更新年度", "認定番号", "区分", "種別", "日付", "単位", "内容"]),
        jbct: Sheet::new(&[
            "更新年度",
            "認定番号",
            "会員番号",
            "前回認定日",
            "歯科口腔外科",
            "更新猶予歴",
            "緩和ケア研修会修了証書No",
            "申請日",
            "免許",
            "会員種別",
        ]),
        facilities: Sheet::new(&[
            "更新年度",
            "認定番号",
            "申請区分",
            "施設名",
            "在籍開始1",
            "在籍終了1",
            "在籍開始2",
            "在籍終了2",
        ]),
        cases: Sheet::new(&[
            "更新年度",
            "認定番号",
            "申請区分",
            "No",
            "年齢",
            "性別",
            "実施した診療項目",
            "診療項目(その他)",
            "実施開始",
            "実施終了",
            "診断名",
            "ICD-10",
            "病理診断名",
        ]),
        meetings: Sheet::new(&["更新年度", "認定番号", "学会名", "種別", "開催日"]),
        elearning: Sheet::new(&["更新年度", "認定番号", "分野", "正答数", "受講日"]),
    };
    let (mut jsmo_seq, mut jbct_seq) = (0, 0);
    for c in certs {
        for (round, renewed, before) in due_rounds(c) {
            match c.qualification {
                "がん薬物療法専門医" => {
                    let fate = fate(rng, round, renewed, JSMO_MODES.len(), &mut jsmo_seq);
                    jsmo(rng, &mut f, c, round, before, fate);
                }
                // The society tracks the JBCT renewals of its own members only.
                "がん治療認定医" if c.member_no.is_some() => {
                    let fate = fate(rng, round, renewed, JBCT_MODES.len(), &mut jbct_seq);
                    jbct(rng, &mut f, c, round, fate);
                }
                _ => {}
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn cert(certified: NaiveDate, expires: NaiveDate, renewals: u32) -> Certificate {
        Certificate {
            qualification: "がん治療認定医",
            number: "x".into(),
            member_no: None,
            certified,
            expires,
            renewals,
            pref: 13,
            facility: String::new(),
            area_code: String::new(),
        }
    }

    #[test]
    fn due_rounds_follow_the_certificate() {
        // Certified 2012, renewed 2017 and 2022, expires 2027-03-31: due 2021 (renewed) and 2026 (open).
        let c = cert(ymd(2012, 4, 1), ymd(2027, 3, 31), 2);
        assert_eq!(due_rounds(&c), [(2026, false, 2)]);
        let c = cert(ymd(2017, 4, 1), ymd(2027, 3, 31), 1);
        assert_eq!(due_rounds(&c), [(2026, false, 1)]);
        // Certified 2018, lapsed in 2023 (expired 2023-03-31, due in 2022).
        let c = cert(ymd(2018, 4, 1), ymd(2023, 3, 31), 0);
        assert_eq!(due_rounds(&c), [(2022, false, 0)]);
        // Certified 2013, renewed in 2018 and 2023 (due 2017, 2022), now due 2027.
        let c = cert(ymd(2013, 4, 1), ymd(2028, 3, 31), 2);
        assert_eq!(due_rounds(&c), [(2022, true, 1)]);
    }
}
