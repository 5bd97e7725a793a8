//! The ingest steps one by one, as the dashboard's upload will call them: plan, validate
//! (nothing written), look at the rejects, then commit — with progress reported to a
//! caller's own [`Progress`].

use std::sync::Mutex;

use ingest::pipeline::{Outcome, Plan, Progress};

use crate::support::*;

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Progress for Recorder {
    fn step(&self, message: &str) {
        self.0.lock().expect("lock").push(message.to_string());
    }
    fn finish(&self) {
        self.0.lock().expect("lock").push("finished".into());
    }
}

#[test]
fn a_load_runs_step_by_step_and_validation_writes_nothing() {
    let mut t = TestStore::new();
    let roster = t.file(
        "roster.csv",
        format!(
            "{MEMBERS_HEADER}A,正会員,医師,2015-04-01,,東京都,1980,女性\nB,正会員,看護士,2016-04-01,,大阪府,1975,男性\n"
        )
        .as_bytes(),
    );
    let opts = t.opts("members", vec![roster.clone(), roster], Some("2025-03-31"));
    let progress = Recorder::default();
    let before = t.state();

    let plan = Plan::new(&t.wh, &opts, &progress).expect("plan");
    assert_eq!(plan.files().count(), 1);
    assert_eq!(plan.skipped().len(), 1, "the same file twice is set aside");
    let validation = plan.validate(&progress).expect("validate");
    let rejected: Vec<_> = validation.files().flat_map(|f| &f.rejects).collect();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0].line, Some(3));
    assert_eq!(rejected[0].value.as_deref(), Some("看護士"));
    assert!(validation.has_rejects());
    assert_eq!(t.state(), before, "validation wrote nothing");

    let report = validation.commit(&mut t.wh, &progress).expect("commit");
    assert_eq!(report.outcome, Outcome::Committed);
    assert_eq!(report.files.len(), 2);
    assert!(report.files[0].load_id.is_some());
    assert_eq!(t.wh.query_i64("SELECT COUNT(*) FROM member_snapshots").expect("count"), 1);

    let seen = progress.0.lock().expect("lock").clone();
    let kinds: Vec<&str> = seen.iter().map(|m| m.split(" / ").next().unwrap_or("")).collect();
    assert_eq!(kinds, ["読み込み", "読み込み", "検証", "finished", "保存", "コミット", "finished"], "{seen:?}");
}
