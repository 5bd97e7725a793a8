//! [designations-real]: a 特例型 counts as what it is — a 拠点病院 or 地域がん診療病院 that still
//! covers its area — in the 空白 count and in the counts by 類型.

use queries::{Audience, Request};

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
    for (dataset, p) in [("areas", areas), ("designations", designations)] {
        let o = ingest::IngestOptions::new(dataset, vec![p], dir.path().join("k.key"), dir.path().join("rejects"));
        let r = ingest::ingest(&mut wh, &o).expect("ingest");
        assert_eq!(r.outcome, ingest::Outcome::Committed, "{dataset}: {:?}", r.files[0].rejects);
    }
    let engine = queries::Engine::open(&wh, None).expect("engine");
    let at = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).expect("date");
    let req = |m: &str| Request::new(m, Audience::Committee).as_of(at);
    let blank = engine.evaluate(&req(queries::metrics::hospitals::BLANK_AREAS.name)).expect("blank areas");
    let names: Vec<String> = blank.column("area_name").iter().map(|v| v.display()).collect();
    assert_eq!(names, vec!["能代・山本"], "only the area without any designation is 空白");
    let count = engine.evaluate(&req(queries::metrics::hospitals::BLANK_COUNT.name)).expect("blank count");
    assert_eq!(count.column("blank_areas").first().and_then(|v| v.as_i64()), Some(1));
}
