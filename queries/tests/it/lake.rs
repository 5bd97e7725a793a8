//! The lake mode reads the same store: every metric over the Parquet lake equals the
//! in-memory snapshot — the golden results unchanged at the latest load, and every catalog
//! metric at every earlier load of the sample (rosters, survey years, lists replaced whole
//! or by key, membership intervals closed by later loads).

use queries::catalog::{Request, catalog};
use queries::{Audience, Engine, render};

use crate::support::{date, repo, sample};

fn lake_engine(at_load: Option<i64>) -> Engine {
    Engine::open_lake(&sample().dir.path().join("lake"), at_load).expect("the lake engine")
}

/// A result (or its error) as JSON text, to compare two engines' answers whole.
fn answer(engine: &Engine, req: &Request) -> String {
    match engine.evaluate(req) {
        Ok(r) => serde_json::to_string_pretty(&render::json(&r)).expect("json"),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn every_golden_result_is_the_same_over_the_lake() {
    let engine = lake_engine(None);
    let dir = repo().join("queries/tests/golden");
    let mut failures = Vec::new();
    for (file, req) in crate::golden::cases() {
        let got = serde_json::to_string_pretty(&render::json(
            &engine.evaluate(&req).unwrap_or_else(|e| panic!("{file}: {e}")),
        ))
        .expect("json")
            + "\n";
        let want = std::fs::read_to_string(dir.join(format!("{file}.json"))).expect("golden file");
        if got != want {
            failures.push(file);
        }
    }
    assert!(failures.is_empty(), "differ over the lake: {}", failures.join(", "));
}

#[test]
fn every_metric_at_every_load_is_the_same_over_the_lake_as_from_the_warehouse() {
    let loads: Vec<i64> =
        sample().warehouse.lock().expect("warehouse").loads().expect("loads").iter().map(|l| l.load_id).collect();
    // Two workers, each taking every other load (the warehouse is read under its lock).
    let workers = 2;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let mine: Vec<i64> = loads.iter().copied().skip(w).step_by(workers).collect();
                scope.spawn(move || mine.into_iter().flat_map(compare_at).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a worker")).collect()
    });
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

/// Every catalog metric at load `n`, in memory and over the lake: the differences.
fn compare_at(n: i64) -> Vec<String> {
    let memory = {
        let wh = sample().warehouse.lock().expect("warehouse");
        Engine::open(&wh, Some(n)).expect("in memory")
    };
    let lake = lake_engine(Some(n));
    assert_eq!(memory.snapshot().loads.len(), lake.snapshot().loads.len(), "load {n}");
    differences(&memory, &lake, n)
}

/// Every catalog metric, at the snapshot's own date, in memory and in another engine (the lake,
/// a cluster): where they differ.
pub(crate) fn differences(memory: &Engine, lake: &Engine, n: i64) -> Vec<String> {
    let d = memory.snapshot().default_as_of().unwrap_or_else(|| date("2026-10-31"));
    let mut failures = Vec::new();
    for def in catalog() {
        let mut req = Request::new(def.name, Audience::Committee).as_of(d);
        if def.name == "survey.kwic" {
            req = req.param("term", "オンライン配信");
        }
        let (a, b) = (answer(memory, &req), answer(lake, &req));
        if a != b {
            failures.push(format!("load {n} {}: {}", def.name, first_difference(&a, &b)));
        }
    }
    failures
}

fn first_difference(a: &str, b: &str) -> String {
    let line = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
    format!(
        "line {line}: memory {:?} / lake {:?}",
        a.lines().nth(line).unwrap_or("").chars().take(120).collect::<String>(),
        b.lines().nth(line).unwrap_or("").chars().take(120).collect::<String>()
    )
}

/// The sample, then lists delivered again: the designations replaced whole by a shorter
/// list, survey 年度 2025 sent again with half its responses, one qualification's
/// specialists sent again with fewer rows — so that every supersession rule replaces rows.
struct Resent {
    dir: tempfile::TempDir,
    warehouse: std::sync::Mutex<store::Warehouse>,
    /// The loads made after the sample's.
    added: Vec<i64>,
}

fn resent() -> &'static Resent {
    static F: std::sync::OnceLock<Resent> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        use arrow::array::{Array, AsArray};
        let dir = tempfile::tempdir().expect("tempdir");
        let mut wh =
            ingest::sample::load::into_new_warehouse(dir.path(), &repo().join("data/sample")).expect("the sample");
        let before = wh.loads().expect("loads").last().expect("a load").load_id;
        // A shorter designation list (from the current one).
        let rows = wh
            .query_arrow(
                "SELECT prefecture_code, hospital, area_code, designation, strftime(designated_from, '%Y-%m-%d')
                 FROM designations WHERE superseded_by IS NULL ORDER BY row_no LIMIT 40",
            )
            .expect("designations");
        let mut csv = String::from("都道府県,医療機関名,構想区域コード,指定類型,指定開始日\n");
        for b in &rows {
            let pref = arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Utf8).expect("cast");
            let text = |i: usize| arrow::compute::cast(b.column(i), &arrow::datatypes::DataType::Utf8).expect("cast");
            let (h, a, d, f) = (text(1), text(2), text(3), text(4));
            for r in 0..b.num_rows() {
                let cell = |c: &arrow::array::ArrayRef| {
                    if c.is_valid(r) { c.as_string::<i32>().value(r).to_string() } else { String::new() }
                };
                csv.push_str(&format!("{},{},{},{},{}\n", cell(&pref), cell(&h), cell(&a), cell(&d), cell(&f)));
            }
        }
        // Survey 年度 2025 again, every other response.
        let survey =
            std::fs::read_to_string(repo().join("data/sample/survey_responses_2020-2025.csv")).expect("survey");
        let mut lines = survey.lines();
        let mut text = lines.next().expect("header").to_string() + "\n";
        for l in lines.filter(|l| l.starts_with("2025,")).step_by(2) {
            text.push_str(l);
            text.push('\n');
        }
        // One qualification's specialists again, the first 200 (CP932, as sent).
        let bytes = std::fs::read(repo().join("data/sample/specialists_jsmo.csv")).expect("specialists");
        let kept: Vec<&[u8]> = bytes.split(|b| *b == b'\n').take(201).collect();
        let mut load = |dataset: &str, name: &str, bytes: Vec<u8>| {
            let file = dir.path().join(name);
            std::fs::write(&file, bytes).expect("write");
            let opts = ingest::IngestOptions::new(
                dataset,
                vec![file],
                dir.path().join("keys/k.key"),
                dir.path().join("rejects"),
            );
            let rep = ingest::ingest(&mut wh, &opts).expect("ingest");
            assert_eq!(rep.outcome, ingest::pipeline::Outcome::Committed, "{name}");
        };
        load("designations", "designations_resent.csv", csv.into_bytes());
        load("survey_responses", "survey_2025_resent.csv", text.into_bytes());
        load("specialists", "specialists_jsmo_resent.csv", kept.join(&b'\n'));
        let added: Vec<i64> = wh.loads().expect("loads").iter().map(|l| l.load_id).filter(|id| *id > before).collect();
        assert_eq!(added.len(), 3);
        Resent { dir, warehouse: std::sync::Mutex::new(wh), added }
    })
}

#[test]
fn lists_sent_again_read_the_same_over_the_lake() {
    let r = resent();
    let mut failures = Vec::new();
    for &n in &r.added {
        let memory = {
            let wh = r.warehouse.lock().expect("warehouse");
            Engine::open(&wh, Some(n)).expect("in memory")
        };
        let lake = Engine::open_lake(&r.dir.path().join("lake"), Some(n)).expect("lake");
        // The re-deliveries replaced rows: fewer designations, 2025 responses and specialists.
        for t in ["designations", "survey_responses", "specialists"] {
            assert_eq!(memory.snapshot().row_count(t), lake.snapshot().row_count(t), "load {n} {t}");
        }
        failures.extend(differences(&memory, &lake, n));
    }
    let last = r.added[r.added.len() - 1];
    let first = {
        let wh = r.warehouse.lock().expect("warehouse");
        Engine::open(&wh, Some(r.added[0] - 1)).expect("before")
    };
    let now = Engine::open_lake(&r.dir.path().join("lake"), Some(last)).expect("lake");
    for t in ["designations", "survey_responses", "specialists"] {
        assert!(now.snapshot().row_count(t) < first.snapshot().row_count(t), "{t} was replaced by fewer rows");
    }
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn derived_tables_are_kept_in_the_lake_and_read_again() {
    let r = resent();
    let lake = r.dir.path().join("lake");
    let n = r.added[0];
    let first = Engine::open_lake(&lake, Some(n)).expect("lake");
    let dir = lake.join("_derived").join("member_spells").join(format!("at_load={n}"));
    let kept: Vec<std::path::PathBuf> = std::fs::read_dir(&dir).expect("kept").flatten().map(|e| e.path()).collect();
    assert_eq!(kept.len(), 1, "one build of member_spells for load {n}: {kept:?}");
    let files = |p: &std::path::Path| -> Vec<(String, std::time::SystemTime)> {
        let mut v: Vec<_> = std::fs::read_dir(p)
            .expect("files")
            .flatten()
            .map(|e| {
                (e.file_name().to_string_lossy().into_owned(), e.metadata().and_then(|m| m.modified()).expect("mtime"))
            })
            .collect();
        v.sort();
        v
    };
    let before = files(&kept[0]);
    assert!(before.iter().any(|(f, _)| f.ends_with(".parquet")), "{before:?}");
    let again = Engine::open_lake(&lake, Some(n)).expect("lake again");
    assert_eq!(files(&kept[0]), before, "read again, not written again");
    assert_eq!(
        first.snapshot().row_count("member_spells"),
        again.snapshot().row_count("member_spells"),
        "the same rows"
    );
}

/// What a plan reads in lake mode is files and expressions, never a table held in this
/// process's memory: such a plan could run in another process.
#[test]
fn no_table_of_the_lake_mode_is_held_in_memory() {
    use queries::datafusion::datasource::MemTable;
    let engine = lake_engine(None);
    let ctx = engine.snapshot().context();
    let schema = ctx.catalog("datafusion").and_then(|c| c.schema("public")).expect("the public schema");
    let names = schema.table_names();
    assert!(names.len() > 20, "{names:?}");
    for name in names {
        let table = engine.block_on(schema.table(&name)).expect("table").expect("registered");
        assert!(table.downcast_ref::<MemTable>().is_none(), "{name} is held in memory");
    }
}

/// A copy of the lake at `from` without its `_derived/` area.
fn copy(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        if e.file_name() == "_derived" {
            continue;
        }
        let (f, t) = (e.path(), to.join(e.file_name()));
        if f.is_dir() { copy(&f, &t) } else { std::fs::copy(&f, &t).map(|_| ()).expect("copy") }
    }
}

/// At scale 1,000 counting the views' rows took minutes on every open: the counts are kept in
/// the lake per load and read on the next open (shown here by a count changed in the file).
#[test]
fn view_row_counts_are_kept_in_the_lake_and_read_again() {
    let d = tempfile::tempdir().expect("tempdir");
    let lake = d.path().join("lake");
    copy(&sample().dir.path().join("lake"), &lake);
    let first = Engine::open_lake(&lake, None).expect("lake");
    let n = first.snapshot().at_load;
    let dir = lake.join("_derived/_view_rows").join(format!("at_load={n}"));
    let files: Vec<std::path::PathBuf> =
        std::fs::read_dir(&dir).expect("kept").flatten().map(|e| e.path().join("rows.json")).collect();
    assert_eq!(files.len(), store::snapshot::SNAPSHOT_TABLES.len(), "one count per table: {files:?}");
    let members = files
        .iter()
        .find(|f| std::fs::read_to_string(f).expect("read").contains(r#""table":"members""#))
        .expect("the members' count");
    let text = std::fs::read_to_string(members).expect("read");
    let want = first.snapshot().row_count("members");
    assert!(text.contains(&format!(r#""rows":{want}"#)), "{text}");
    std::fs::write(members, text.replace(&format!(r#""rows":{want}"#), r#""rows":1"#)).expect("write");
    let again = Engine::open_lake(&lake, None).expect("lake again");
    assert_eq!(again.snapshot().row_count("members"), 1, "the kept count is read, not counted again");
}

/// At scale 1,000 checking every renewal application took minutes on every open: in lake mode
/// the two renewal tables are kept in the lake, keyed by what they were derived from, and read
/// by the next open (shown here by a kept file cut to one row).
#[test]
fn renewal_tables_are_kept_in_the_lake_and_read_again() {
    let d = tempfile::tempdir().expect("tempdir");
    let lake = d.path().join("lake");
    copy(&sample().dir.path().join("lake"), &lake);
    let rows = |e: &Engine| -> i64 {
        e.block_on(async {
            e.snapshot().renewals().await.expect("renewals");
            let b = e.snapshot().sql("SELECT count(*) FROM renewal_status").await.expect("count");
            arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(b[0].column(0)).value(0)
        })
    };
    let first = Engine::open_lake(&lake, None).expect("lake");
    let want = {
        let wh = sample().warehouse.lock().expect("warehouse");
        rows(&Engine::open(&wh, None).expect("in memory"))
    };
    assert!(want > 1);
    assert_eq!(rows(&first), want, "the lake's renewal_status has the in-memory rows");
    let at = lake.join("_derived/renewal_status").join(format!("at_load={}", first.snapshot().at_load));
    let kept: Vec<std::path::PathBuf> = std::fs::read_dir(&at).expect("kept").flatten().map(|e| e.path()).collect();
    assert_eq!(kept.len(), 1, "one kept table, nothing left aside: {kept:?}");
    let file = kept[0].join("part-0.parquet");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&file).expect("open"),
    )
    .expect("parquet")
    .build()
    .expect("reader");
    let one = reader.map(|b| b.expect("batch")).next().expect("a batch").slice(0, 1);
    let mut w = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&file).expect("create"), one.schema(), None)
        .expect("writer");
    w.write(&one).expect("write");
    w.close().expect("close");
    let again = Engine::open_lake(&lake, None).expect("lake again");
    assert_eq!(rows(&again), 1, "the kept table is read, not derived again");
}

/// Regression: two snapshots of one process building the same derived table at once (two
/// server states over one lake) wrote into one directory set aside per process, so one could
/// empty the other's before it was renamed into place — a derived table with files missing.
/// Each builder now writes aside of its own: both snapshots read the table whole.
#[test]
fn two_snapshots_building_the_same_derived_tables_at_once_both_read_them_whole() {
    let want = {
        let wh = sample().warehouse.lock().expect("warehouse");
        let e = Engine::open(&wh, None).expect("in memory");
        e.snapshot().row_count("member_spells")
    };
    // The race is a matter of timing: three rounds, each over a fresh copy without `_derived/`.
    for round in 0..3 {
        let d = tempfile::tempdir().expect("tempdir");
        let lake = d.path().join("lake");
        copy(&sample().dir.path().join("lake"), &lake);
        let counts: Vec<Result<i64, String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        let e = Engine::open_lake(&lake, None).map_err(|e| e.to_string())?;
                        let b = e.block_on(e.snapshot().sql("SELECT count(*) FROM member_spells"));
                        let b = b.map_err(|e| e.to_string())?;
                        Ok(arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(b[0].column(0)).value(0))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("a snapshot")).collect()
        });
        for n in counts {
            let n = n.unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert_eq!(usize::try_from(n).expect("n"), want, "round {round}: member_spells read with rows missing");
        }
    }
}

/// Regression: the lake's repair (every warehouse open: a CLI load, an upload) took `_derived/`
/// for a table without load partitions and removed it whole, under a running lake-mode server
/// whose queries then found their files gone. It keeps the derived tables of committed loads
/// now, and removes only those of loads that never committed.
#[test]
fn opening_the_warehouse_keeps_the_derived_tables_of_committed_loads() {
    let d = tempfile::tempdir().expect("tempdir");
    let wh = ingest::sample::load::into_new_warehouse(d.path(), &repo().join("data/sample")).expect("the sample");
    let last = wh.loads().expect("loads").last().expect("a load").load_id;
    drop(wh);
    let lake = d.path().join("lake");
    drop(Engine::open_lake(&lake, None).expect("a lake snapshot"));
    let derived = lake.join(store::lake::DERIVED_DIR).join("member_spells");
    let kept = derived.join(format!("at_load={last}"));
    assert!(kept.is_dir(), "the lake snapshot wrote {}", kept.display());
    let stray = derived.join(format!("at_load={}", last + 100)).join("0000");
    std::fs::create_dir_all(&stray).expect("a derived table of a load that never committed");
    drop(store::Warehouse::open(&d.path().join("wh.duckdb"), &lake).expect("open again"));
    assert!(kept.is_dir(), "opening the warehouse removed the derived tables of a committed load");
    assert!(!stray.exists(), "the derived table of a load that never committed is kept");
    let e = Engine::open_lake(&lake, None).expect("a lake snapshot again");
    assert!(e.snapshot().row_count("member_spells") > 0);
}

/// At scale 1,000 `member_spells` (24 M history rows joined to 22 M members) ran out of memory
/// in one query; it is built in ranges of `member_key`, which only helps if every input is
/// filtered to the range where it is read — below the sorts of the joins and of the members
/// view's window — not after.
#[test]
fn member_spells_in_ranges_filters_every_input_where_it_is_read() {
    use queries::snapshot::{Build, KeyRange, MEMBER_SPELLS};
    let Build::SplitSql(sql) = MEMBER_SPELLS.build else { panic!("member_spells is not built in ranges") };
    let range = queries::derived::split_ranges(4).swap_remove(1);
    let engine = lake_engine(None);
    let snapshot = engine.snapshot().clone();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let plan = rt
        .block_on(async {
            let frame = snapshot.context().sql(&sql()).await?.with_param_values(range.params())?;
            frame.explain(false, false)?.collect().await
        })
        .expect("explain");
    let text = arrow::util::pretty::pretty_format_batches(&plan).expect("text").to_string();
    let physical: Vec<&str> = text.lines().skip_while(|l| !l.contains("physical_plan")).collect();
    assert_ne!(range, KeyRange::WHOLE);
    for table in ["members", "member_history", "member_history_closes"] {
        let scan = physical
            .iter()
            .position(|l| l.contains("DataSourceExec") && l.contains(&format!("/lake/{table}/")))
            .unwrap_or_else(|| panic!("no scan of {table}:\n{text}"));
        let filtered = [physical[scan], physical[scan - 1]]
            .iter()
            .any(|l| l.contains("member_key@0 >= 4000 AND member_key@0 < 8000"));
        assert!(filtered, "{table} is not filtered where it is read:\n{text}");
    }
    // The ranges together hold the whole table's rows (the sample's keys are spread over them).
    let count = |r: &KeyRange| {
        let b = rt.block_on(snapshot.sql_with(&format!("SELECT count(*) FROM ({}) s", sql()), &r.values()));
        b.expect("count")[0].column(0).as_any().downcast_ref::<arrow::array::Int64Array>().expect("int").value(0)
    };
    let parts: Vec<i64> = queries::derived::split_ranges(4).iter().map(count).collect();
    assert!(parts.iter().all(|n| *n > 0), "{parts:?}");
    assert_eq!(parts.iter().sum::<i64>(), count(&KeyRange::WHOLE));
}
