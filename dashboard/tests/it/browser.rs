//! The dashboard in a real browser: headless Chromium (installed by scripts/setup.sh)
//! driven by `tests/browser/e2e.py` through login, every page, the what-if form, an
//! export and logout, failing on console errors, broken images, missing Japanese fonts,
//! overlapping form controls or a serious axe-core (WCAG 2.1 A/AA) violation on any page.
//! Screenshots go to `target/e2e/` (under CARGO_TARGET_DIR).

use std::path::PathBuf;
use std::process::Command;

use dashboard::auth::{Role, password};

use crate::support::{app_with, rt};

#[test]
fn a_user_goes_through_every_page_in_headless_chromium() {
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
    // An app of its own: other tests' failed logins from 127.0.0.1 (schemathesis, the
    // throttle tests) must not lock this browser out of the shared fixture.
    let (state, _) = app_with("browser", |_| {});
    let pw = "browser test password 1";
    let hash = password::hash(pw).expect("hash");
    rt().block_on(state.db(move |db| db.create_account("browser", Role::Committee.name(), &hash))).expect("account");
    let (tx, rx) = std::sync::mpsc::channel();
    let server = rt().spawn(dashboard::serve(state.clone(), move |addr| {
        let _ = tx.send(addr);
    }));
    let addr = rx.recv().expect("the server listens");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| crate::support::repo().join("target"), PathBuf::from);
    let out_dir = target.join("e2e");
    let _ = std::fs::remove_dir_all(&out_dir);
    let script = crate::support::manifest_dir().join("tests/browser/e2e.py");
    let out = Command::new("python3")
        .arg(&script)
        .args([&format!("http://{addr}"), "browser", pw])
        .arg(&out_dir)
        .arg(&axe)
        .output()
        .expect("run the browser test");
    server.abort();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out_dir.join("what-if.png").exists(), "screenshots saved: {report}");
}
