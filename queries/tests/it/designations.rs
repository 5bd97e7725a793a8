//! [designations-real]: a 特例型 counts as what it is — a 拠点病院 or 地域がん診療病院 that still
//! covers its area — in the 空白 count and in the counts by 類型.

use queries::{Audience, Request};

/// Loads each (dataset, file) in order, each committed.
fn load(wh: &mut store::Warehouse, dir: &std::path::Path, files: &[(&str, std::path::PathBuf)]) {
    for (dataset, p) in files {
        let o = ingest::IngestOptions::new(*dataset, vec![p.clone()], dir.join("k.key"), dir.join("rejects"));
        let r = ingest::ingest(wh, &o).expect("ingest");
        assert_eq!(r.outcome, ingest::Outcome::Committed, "{dataset}: {:?}", r.files[0].rejects);
    }
}

#[test]
fn a_special_designation_covers_its_area() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wh = store::Warehouse::open(&dir.path().join("wh.duckdb"), &dir.path().join("lake")).expect("open");
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let areas = file(
        "areas.csv",
        "区域年度,都道府県コード,構想区域コード,構想区域名,人口2020\nR7,05,0501,大館・鹿角,100000\nR7,05,0502,北秋田,30000\nR7,05,0503,能代・山本,80000\n",
    );
    let designations = file(
        "designations.csv",
        "都道府県,医療機関名,構想区域コード,指定類型,指定開始日,指定終了日,連携先拠点病院\n\
         秋田県,A病院,0501,地域がん診療連携拠点病院（特例型）,2022-04-01,,\n\
         秋田県,B病院,0502,地域がん診療病院（特例型）,2023-04-01,,A病院\n",
    );
    load(&mut wh, dir.path(), &[("areas", areas), ("designations", designations)]);
    let engine = queries::Engine::open(&wh, None).expect("engine");
    let at = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).expect("date");
    let req = |m: &str| Request::new(m, Audience::Committee).as_of(at);
    let blank = engine.evaluate(&req(queries::metrics::hospitals::BLANK_AREAS.name)).expect("blank areas");
    let names: Vec<String> = blank.column("area_name").iter().map(|v| v.display()).collect();
    assert_eq!(names, vec!["能代・山本"], "only the area without any designation is 空白");
    let count = engine.evaluate(&req(queries::metrics::hospitals::BLANK_COUNT.name)).expect("blank count");
    assert_eq!(count.column("blank_areas").first().and_then(|v| v.as_i64()), Some(1));
}

fn repo(path: &str) -> std::path::PathBuf {
    crate::support::repo().join(path)
}

fn csv_rows(path: &str) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(repo(path)).expect("csv");
    r.records().map(|x| x.expect("row")).collect()
}

/// The ministry's 56 空白のがん医療圏 of April 2024, computed: with the がん医療圏 set shipped in
/// data/reference (groups of 構想区域, and municipalities where 香川 splits one) and a
/// designation list consistent with the ministry's — one hospital in every がん医療圏 the ministry
/// does not call 空白, taken from the last 構想区域 or municipality it is made of, so that unions
/// and splits are what decides — the 空白 list is exactly the ministry's, of 336 areas.
#[test]
fn the_blank_gan_iryoken_of_april_2024_are_the_ministrys_56() {
    let blank: std::collections::BTreeSet<(String, String)> =
        csv_rows("data/reference/published/blank_gan_iryoken_2024-04.csv")
            .iter()
            .map(|r| (r[0].to_string(), r[2].to_string()))
            .collect();
    assert_eq!(blank.len(), 56);
    let master = csv_rows("data/reference/facility_basic.csv");
    let r7: Vec<&csv::StringRecord> = master.iter().filter(|r| &r[0] == "R7").collect();
    let mut designations = String::from("都道府県,医療機関名,構想区域コード,指定類型,指定開始日\n");
    let mut placed = 0;
    for g in csv_rows("data/reference/gan_iryoken_2024.csv") {
        let (pref, name, parts) = (&g[1], &g[3], &g[6]);
        if blank.contains(&(pref.to_string(), name.to_string())) {
            continue;
        }
        let last = parts.split(';').next_back().expect("a part");
        let h = r7
            .iter()
            .find(|h| &h[1] == pref && (h[3] == *last || h[10] == *last))
            .unwrap_or_else(|| panic!("no hospital in {pref} {last}"));
        designations.push_str(&format!("{pref},{},{},地域がん診療連携拠点病院,2020-04-01\n", &h[9], &h[3]));
        placed += 1;
    }
    assert_eq!(placed, 336 - 56);

    let dir = tempfile::tempdir().expect("tempdir");
    let mut wh = store::Warehouse::open(&dir.path().join("wh.duckdb"), &dir.path().join("lake")).expect("open");
    let list = dir.path().join("designations.csv");
    std::fs::write(&list, designations).expect("write");
    load(
        &mut wh,
        dir.path(),
        &[
            ("areas", repo("data/reference/area_basic.csv")),
            ("areas", repo("data/reference/gan_iryoken_2024.csv")),
            ("hospitals", repo("data/reference/facility_basic.csv")),
            ("designations", list),
        ],
    );
    let engine = queries::Engine::open(&wh, None).expect("engine");
    let at = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).expect("date");
    let req = |m: &str| Request::new(m, Audience::Committee).as_of(at);
    let r = engine.evaluate(&req(queries::metrics::hospitals::BLANK_AREAS.name)).expect("blank areas");
    let got: std::collections::BTreeSet<(String, String)> = r
        .column("prefecture_code")
        .iter()
        .zip(r.column("area_name"))
        .map(|(p, n)| (format!("{:0>2}", p.display()), n.display()))
        .collect();
    assert_eq!(got, blank, "the 空白 がん医療圏 computed are the ministry's");
    let count = engine.evaluate(&req(queries::metrics::hospitals::BLANK_COUNT.name)).expect("count");
    let cell = |c: &str| count.column(c).first().map(|v| v.display()).unwrap_or_default();
    assert_eq!(
        (cell("area_set"), cell("areas"), cell("blank_areas")),
        ("がん医療圏2024".into(), "336".into(), "56".into())
    );

    // 構想区域 stay selectable, and give another count: 香川's 東部 holds a designated hospital
    // (in 高松), so 大川 is not 空白 there; 宮崎's 県北 is two 構想区域.
    let r7 = engine.evaluate(&req(queries::metrics::hospitals::BLANK_COUNT.name).param("area_set", "R7")).expect("R7");
    assert_eq!(r7.column("areas").first().and_then(|v| v.as_i64()), Some(339));
    // The drill-down into a がん医療圏 of its own (宮崎 県央 = 宮崎東諸県 + 西都児湯) lists the
    // designations placed in it, by their 構想区域.
    let list = engine
        .evaluate(&req(queries::metrics::drilldown::LIST.name).param("area", "4592"))
        .expect("the hospitals of 県央");
    let codes: Vec<String> = list.column("area_code").iter().map(|v| v.display()).collect();
    assert_eq!(codes, ["4506"], "the one hospital designated in 県央, from its last 構想区域");
    // Before FY2019 the default is the 構想区域 set.
    let before = Request::new(queries::metrics::hospitals::BLANK_COUNT.name, Audience::Committee)
        .as_of(chrono::NaiveDate::from_ymd_opt(2018, 4, 1).expect("date"));
    let r = engine.evaluate(&before).expect("2018");
    assert_eq!(r.column("area_set").first().map(|v| v.display()).as_deref(), Some("R7"));
}

/// [designations-real]: the volume check says which criterion each hospital meets — the four
/// volumes (絶対基準) or 2割 of the area's resident cancer patients (相対基準).
#[test]
fn the_volume_check_names_the_criterion_each_hospital_meets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wh = store::Warehouse::open(&dir.path().join("wh.duckdb"), &dir.path().join("lake")).expect("open");
    let p = dir.path().join("volumes.csv");
    std::fs::write(
        &p,
        "医療機関名,構想区域コード,年度,院内がん登録数,悪性腫瘍手術件数,がんに係る薬物療法のべ患者数,放射線治療のべ患者数,当該2次医療圏に居住するがん患者の診療の割合\n\
         A病院,1602,2024,2754,2043,10112,701,40.2\n\
         B病院,1603,2024,1423,398,4005,298,23.9\n\
         C病院,1601,2024,480,390,950,180,19.5\n\
         D病院,1601,2024,600,500,1200,250,\n\
         E病院,1601,2024,100,100,100,100,\n",
    )
    .expect("write");
    load(&mut wh, dir.path(), &[("hospital_volumes", p)]);
    let engine = queries::Engine::open(&wh, None).expect("engine");
    let r = engine
        .evaluate(
            &Request::new(queries::metrics::volumes::VOLUME_CHECK.name, Audience::Committee)
                .as_of(chrono::NaiveDate::from_ymd_opt(2025, 3, 31).expect("date")),
        )
        .expect("volume check");
    let by: std::collections::BTreeMap<String, String> =
        r.column("hospital").iter().zip(r.column("criterion")).map(|(h, c)| (h.display(), c.display())).collect();
    let want = [
        ("A病院", "両方"),
        ("B病院", "相対基準（居住患者の2割）"),
        ("C病院", "どちらも満たさない"),
        ("D病院", "絶対基準（4要件）"),
        ("E病院", "絶対基準を満たさない（割合の報告なし）"),
    ];
    for (h, c) in want {
        assert_eq!(by.get(h).map(String::as_str), Some(c), "{h}");
    }
}
