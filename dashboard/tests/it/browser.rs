//! The dashboard in a real browser: headless Chromium (installed by scripts/setup.sh)
//! driven by `tests/browser/e2e.py` through login, every page, the what-if form, an
//! export and logout, failing on console errors, broken images, missing Japanese fonts,
//! overlapping form controls or a serious axe-core (WCAG 2.1 A/AA) violation on any page.
//! Screenshots go to `target/e2e/` (under CARGO_TARGET_DIR). A second test drives 取り込み
//! (`tests/browser/upload.py`) over a warehouse of its own; its screenshots go to `target/e2e-upload/`.
//! A third drives 冊子 and 回答 (`tests/browser/booklet.py`); screenshots in `target/e2e-booklet/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use dashboard::auth::{Role, password};

use crate::support::{app_with, rt};

/// The browser, its driver, selenium and axe-core, or a failure that says to run setup.
fn axe() -> PathBuf {
    let ready = Command::new("python3").args(["-c", "import selenium"]).status().is_ok_and(|s| s.success())
        && std::path::Path::new("/usr/bin/chromium").exists()
        && std::path::Path::new("/usr/bin/chromedriver").exists();
    assert!(ready, "chromium, chromium-driver and selenium are needed: run scripts/setup.sh");
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .expect("a home directory");
    let axe = cache.join("oncometrics/npm/node_modules/axe-core/axe.min.js");
    assert!(axe.exists(), "axe-core is needed at {}: run scripts/setup.sh", axe.display());
    axe
}

/// Where a browser test's screenshots go: `NAME` under the target directory, emptied.
fn out_dir(name: &str) -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| crate::support::repo().join("target"), PathBuf::from);
    let out = target.join(name);
    let _ = std::fs::remove_dir_all(&out);
    out
}

/// Serves `state` and runs `tests/browser/SCRIPT` with the server's URL, `args`, the output
/// directory and axe-core (and `extra`); fails with the script's report unless it passes and
/// saved `shot`.
fn run_script(state: &dashboard::AppState, script: &str, args: &[&str], out: &str, extra: &[&Path], shot: &str) {
    let axe = axe();
    let (tx, rx) = std::sync::mpsc::channel();
    let server = rt().spawn(dashboard::serve(state.clone(), move |addr| {
        let _ = tx.send(addr);
    }));
    let addr = rx.recv().expect("the server listens");
    let out_dir = out_dir(out);
    let out = Command::new("python3")
        .arg(crate::support::manifest_dir().join("tests/browser").join(script))
        .arg(format!("http://{addr}"))
        .args(args)
        .arg(&out_dir)
        .arg(&axe)
        .args(extra)
        .output()
        .expect("run the browser test");
    server.abort();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out_dir.join(shot).exists(), "screenshots saved: {report}");
}

#[test]
fn a_user_goes_through_every_page_in_headless_chromium() {
    // An app of its own: other tests' failed logins from 127.0.0.1 (schemathesis, the
    // throttle tests) must not lock this browser out of the shared fixture.
    let (state, _) = app_with("browser", |_| {});
    let pw = "browser test password 1";
    let hash = password::hash(pw).expect("hash");
    rt().block_on(state.db(move |db| db.create_account("browser", Role::Committee.name(), &hash))).expect("account");
    run_script(&state, "e2e.py", &["browser", pw], "e2e", &[], "what-if.png");
}

#[test]
fn a_steward_uploads_a_roster_in_headless_chromium_and_a_board_member_cannot() {
    let own = crate::upload::own(|_| {});
    let good = crate::upload::roster(60, 12);
    let bad = good.replacen("M0003,正会員", "M0003,正会", 1);
    let (bad_file, good_file) = (own.dir.path().join("会員名簿_不備.csv"), own.dir.path().join("会員名簿_9月.csv"));
    std::fs::write(&bad_file, crate::upload::cp932(&bad)).expect("write");
    std::fs::write(&good_file, crate::upload::cp932(&good)).expect("write");
    let args = ["steward", crate::support::PASSWORD, "board"];
    run_script(&own.state, "upload.py", &args, "e2e-upload", &[&bad_file, &good_file], "upload-committed.png");
}

#[test]
fn the_committee_and_a_respondent_make_the_booklet_in_headless_chromium() {
    let (state, _) = crate::booklet::own("browser-booklet");
    let args = ["committee", crate::support::PASSWORD, "respondent"];
    run_script(&state, "booklet.py", &args, "e2e-booklet", &[], "booklet-published.png");
}
