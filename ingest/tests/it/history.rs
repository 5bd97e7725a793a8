//! Membership history from successive snapshots.

use ingest::pipeline::Outcome;

use crate::support::*;

fn q(t: &TestStore, sql: &str) -> i64 {
    t.wh.query_i64(sql).expect(sql)
}

#[test]
fn snapshots_diff_into_intervals_with_first_seen_dates() {
    let mut t = TestStore::new();
    let s1 = t.file(
        "s1.csv",
        format!(
            "{MEMBERS_HEADER}A,正会員,薬剤師,2015-04-01,,東京都,1980,女性\nB,正会員,医師,2016-04-01,,大阪府,1975,男性\nC,正会員,医師,2017-01-10,,北海道,1970,男性\n"
        )
        .as_bytes(),
    );
    assert_eq!(t.ingest("members", vec![s1], Some("2018-03-31")).expect("s1").outcome, Outcome::Committed);
    // A moves to 準会員; B moves to 京都府; C vanishes without a 退会日; D joins; B's 生年 corrected.
    let s2 = t.file(
        "s2.csv",
        format!(
            "{MEMBERS_HEADER}A,準会員,薬剤師,2015-04-01,,東京都,1980,女性\nB,正会員,医師,2016-04-01,,京都府,1976,男性\nD,正会員,医師,2019-06-01,,愛知県,1985,女性\n"
        )
        .as_bytes(),
    );
    assert_eq!(t.ingest("members", vec![s2], Some("2020-03-31")).expect("s2").outcome, Outcome::Committed);

    assert_eq!(q(&t, "SELECT COUNT(*) FROM member_snapshots"), 6);
    // Intervals: A 正会員 [2015-04-01, 2020-03-31) then 準会員; B 大阪 then 京都 from 2020-03-31; C one; D one.
    assert_eq!(q(&t, "SELECT COUNT(*) FROM member_history"), 6);
    assert_eq!(
        q(
            &t,
            "SELECT COUNT(*) FROM member_history WHERE category = '正会員' AND profession = '薬剤師' AND valid_from = DATE '2015-04-01' AND valid_to = DATE '2020-03-31'"
        ),
        1
    );
    assert_eq!(
        q(
            &t,
            "SELECT COUNT(*) FROM member_history WHERE category = '準会員' AND valid_from = DATE '2020-03-31' AND valid_to IS NULL"
        ),
        1
    );
    assert_eq!(
        q(&t, "SELECT COUNT(*) FROM member_history WHERE prefecture_code = 26 AND valid_from = DATE '2020-03-31'"),
        1
    );
    // C vanished: left on the snapshot date, inferred.
    assert_eq!(
        q(
            &t,
            "SELECT COUNT(*) FROM members WHERE superseded_by IS NULL AND left_inferred AND left_on = DATE '2020-03-31'"
        ),
        1
    );
    // B's facts changed (生年): a new version supersedes the old one.
    assert_eq!(q(&t, "SELECT COUNT(*) FROM members WHERE superseded_by IS NOT NULL"), 2);
    assert_eq!(q(&t, "SELECT COUNT(*) FROM members WHERE superseded_by IS NULL"), 4);
    // Composition as of a past date: 正会員 on 2019-12-31 = A, B, C, D (C still a member then).
    let as_of = |d: &str| {
        q(
            &t,
            &format!(
                "SELECT COUNT(*) FROM members m JOIN member_history h USING (member_key)
                 WHERE m.superseded_by IS NULL AND m.joined_on <= DATE '{d}' AND (m.left_on IS NULL OR m.left_on > DATE '{d}')
                   AND h.valid_from <= DATE '{d}' AND (h.valid_to IS NULL OR h.valid_to > DATE '{d}') AND h.category = '正会員'"
            ),
        )
    };
    assert_eq!(as_of("2019-12-31"), 4);
    assert_eq!(as_of("2020-04-01"), 2, "A is 準会員 and C has left");
    assert_eq!(as_of("2016-12-31"), 2, "A and B only");
}

#[test]
fn snapshots_must_be_loaded_in_date_order() {
    let mut t = TestStore::new();
    let s = t.file("a.csv", format!("{MEMBERS_HEADER}A,正会員,医師,2015-04-01,,東京都,1980,女性\n").as_bytes());
    t.ingest("members", vec![s], Some("2020-03-31")).expect("first");
    let before = t.state();
    let s = t.file(
        "b.csv",
        format!(
            "{MEMBERS_HEADER}A,正会員,医師,2015-04-01,,東京都,1980,女性\nB,正会員,医師,2016-04-01,,東京都,1980,女性\n"
        )
        .as_bytes(),
    );
    assert_file_error(t.ingest("members", vec![s], Some("2019-03-31")), "時点の古い順");
    assert_eq!(before, t.state());
}

#[test]
fn extracted_on_column_gives_the_snapshot_date_and_must_agree() {
    let mut t = TestStore::new();
    let body = "会員番号,会員種別,職種,入会日,抽出日\nA,正会員,医師,2015-04-01,令和2年3月31日\n";
    let s = t.file("e.csv", body.as_bytes());
    let r = t.ingest("members", vec![s.clone()], None).expect("ingest");
    assert_eq!(r.files[0].as_of.map(|d| d.to_string()).as_deref(), Some("2020-03-31"));
    let mut t2 = TestStore::new();
    let s2 = t2.file("e.csv", body.as_bytes());
    assert_file_error(t2.ingest("members", vec![s2], Some("2021-03-31")), "一致しません");
    let mut t3 = TestStore::new();
    let s3 = t3.file("n.csv", format!("{MEMBERS_HEADER}A,正会員,医師,2015-04-01,,,,\n").as_bytes());
    assert_file_error(t3.ingest("members", vec![s3], None), "--as-of");
}

#[test]
fn a_different_pseudonymisation_key_is_refused() {
    let mut t = TestStore::new();
    let s = t.file("a.csv", format!("{MEMBERS_HEADER}A,正会員,医師,2015-04-01,,東京都,1980,女性\n").as_bytes());
    t.ingest("members", vec![s], Some("2020-03-31")).expect("first");
    let s = t.file("b.csv", format!("{MEMBERS_HEADER}A,正会員,医師,2015-04-01,,東京都,1980,女性\n").as_bytes());
    let mut o = t.opts("members", vec![s], Some("2021-03-31"));
    o.key_file = t.dir.path().join("keys/other.key");
    let e = ingest::ingest(&mut t.wh, &o).expect_err("other key");
    assert!(e.to_string().contains("仮名化キー"), "{e}");
    // And the member id never reaches the warehouse in clear.
    assert_eq!(q(&t, "SELECT COUNT(*) FROM member_snapshots WHERE member_key = 'A'"), 0);
}
