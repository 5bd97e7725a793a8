//! 取り込み in the browser's place: a roster uploaded, previewed, fixed, committed and seen; and
//! the attacks of issue [stewardship] — each refused or harmless, the store unchanged.

use std::path::Path;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dashboard::AppState;
use dashboard::auth::Role;

use crate::support::{Client, Res, accounts, config, rt, send};

/// An app over a warehouse of its own holding one small roster (2025-03-31).
pub struct Own {
    pub dir: tempfile::TempDir,
    pub state: AppState,
    pub app: Router,
}

const HEADER: &str = "会員番号,会員種別,職種,入会日,退会日,勤務先都道府県,生年,性別";

/// A roster: `physicians` 正会員 医師 and `others` 正会員 看護師, ids from 1.
pub fn roster(physicians: usize, others: usize) -> String {
    let mut s = format!("{HEADER}\n");
    for i in 0..physicians + others {
        let prof = if i < physicians { "医師" } else { "看護師" };
        s.push_str(&format!("M{:04},正会員,{prof},2015-04-01,,東京都,1975,女性\n", i + 1));
    }
    s
}

pub fn own(f: impl FnOnce(&mut dashboard::Config)) -> Own {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(dir.path(), false);
    f(&mut cfg);
    {
        let mut wh = store::Warehouse::open(&cfg.warehouse, &cfg.lake).expect("open");
        let file = dir.path().join("first.csv");
        std::fs::write(&file, roster(30, 10)).expect("write");
        let mut o = ingest::IngestOptions::new("members", vec![file], cfg.key_file.clone(), dir.path().join("rejects"));
        o.as_of = chrono::NaiveDate::from_ymd_opt(2025, 3, 31);
        assert_eq!(ingest::ingest(&mut wh, &o).expect("ingest").outcome, ingest::Outcome::Committed);
    }
    let state = rt().block_on(AppState::open(cfg)).expect("state");
    accounts(&state);
    let hash = dashboard::auth::password::hash(crate::support::PASSWORD).expect("hash");
    rt().block_on(state.db(move |db| db.create_account("steward2", Role::Steward.name(), &hash))).expect("account");
    let app = dashboard::app(state.clone());
    Own { dir, state, app }
}

impl Own {
    pub fn login(&self, user: &str) -> Client {
        Client::login_to(Some(self.app.clone()), user)
    }
    fn loads(&self) -> usize {
        let wh =
            store::Warehouse::open(&self.dir.path().join("wh.duckdb"), &self.dir.path().join("lake")).expect("open");
        wh.loads().expect("loads").len()
    }
    fn upload_dirs(&self) -> Vec<String> {
        let dir = self.dir.path().join("uploads");
        std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default()
    }
}

const BOUNDARY: &str = "oncometricsTestBoundary7d9";

/// A multipart form: text fields then files, the CSRF token first when given.
fn multipart(csrf: Option<&str>, fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    let mut text = |name: &str, value: &str| {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    };
    if let Some(t) = csrf {
        text("csrf", t);
    }
    for (k, v) in fields {
        text(k, v);
    }
    for (name, bytes) in files {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

fn upload_request(c: &Client, body: Body) -> Request<Body> {
    let cookies = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    Request::post("/data/upload")
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .expect("request")
}

/// Sends files as the upload form would: the upload's page, once it has settled.
fn upload(own: &Own, c: &mut Client, fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Res) {
    c.get("/data/upload");
    let res = send(&own.app, upload_request(c, Body::from(multipart(Some(&c.csrf), fields, files))));
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let page = res.location().expect("to the upload's page").to_string();
    (page.clone(), settle(c, &page))
}

/// The upload's page once it no longer refreshes itself (checked or committed).
fn settle(c: &mut Client, page: &str) -> Res {
    let t = Instant::now();
    loop {
        let res = c.get(page);
        if res.headers.get(header::REFRESH).is_none() || t.elapsed() > Duration::from_secs(120) {
            return res;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Uploads a roster of `as_of` and commits it; the committed page.
pub fn upload_and_commit(own: &Own, c: &mut Client, as_of: &str, body: &[u8]) -> Res {
    let (page, res) = upload(own, c, &[("as_of", as_of)], &[("roster.csv", body)]);
    assert!(res.text().contains("取り込む"), "{}", res.text());
    let token = c.csrf.clone();
    assert_eq!(c.post(&format!("{page}/commit"), &[("csrf", &token)]).status, StatusCode::SEE_OTHER);
    let done = settle(c, &page);
    assert!(done.text().contains("取り込みました"), "{}", done.text());
    done
}

pub fn cp932(s: &str) -> Vec<u8> {
    encoding_rs::SHIFT_JIS.encode(s).0.into_owned()
}

#[test]
fn a_steward_uploads_a_cp932_roster_reads_the_reject_fixes_it_and_commits() {
    let own = own(|_| {});
    let mut c = own.login("steward");
    let mut committee = own.login("committee");
    let loads = own.loads();
    let before = committee.get("/").text();

    // 45 正会員 on 2025-09-30: 38 physicians, one row's 会員種別 misspelt.
    let good = roster(38, 7);
    let bad = good.replacen("M0003,正会員", "M0003,正会", 1);
    let (page, res) = upload(&own, &mut c, &[("as_of", "2025-09-30")], &[("会員名簿_9月.csv", &cp932(&bad))]);
    let text = res.text();
    assert!(text.contains("会員名簿"), "detected as a roster: {text}");
    assert!(text.contains("CP932"), "the encoding is shown: {text}");
    assert!(text.contains("除外する行") && text.contains("正会") && text.contains("もしかして"), "{text}");
    assert!(text.contains("<td class=\"num\">4</td>"), "the reject's line (4: header, M0001, M0002, M0003): {text}");
    assert!(text.contains("会員番号") && text.contains("会員種別"), "the header mapping: {text}");

    // Committing it as it is needs the explicit choice.
    let commit = format!("{page}/commit");
    let token = c.csrf.clone();
    let refused = c.post(&commit, &[("csrf", &token)]);
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text());
    assert_eq!(own.loads(), loads, "nothing loaded");

    // The fixed file: a preview of what changes, then the commit.
    let (page, res) = upload(&own, &mut c, &[("as_of", "2025-09-30")], &[("会員名簿_9月.csv", &cp932(&good))]);
    let text = res.text();
    assert!(text.contains("名簿の変化"), "{text}");
    assert!(text.contains("75.0%") && text.contains("84.4%"), "share before → after (30/40, 38/45): {text}");
    assert!(text.contains("新たに在籍 5 人"), "{text}");
    assert!(!text.contains("除外する行"), "{text}");
    let token = c.csrf.clone();
    let res = c.post(&format!("{page}/commit"), &[("csrf", &token)]);
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let done = settle(&mut c, &page);
    assert!(done.text().contains("取り込みました"), "{}", done.text());
    assert_eq!(own.loads(), loads + 1);
    let id = page.rsplit('/').next().expect("id").to_string();
    assert!(!own.upload_dirs().contains(&id), "committed files are removed: {:?}", own.upload_dirs());
    // The server switched to the new snapshot by itself.
    let after = committee.get("/").text();
    assert!(before.contains("75.00%") && before.contains("40 人"), "{before}");
    assert!(after.contains("84.44%") && after.contains("45 人"), "the overview shows the new roster: {after}");
    let share = rt()
        .block_on(queries::evaluate(
            &own.state.snapshot(),
            &queries::Request::new("members.physician_share", queries::Audience::Committee),
        ))
        .expect("share");
    let t = share.column_index("full_members").expect("column");
    assert_eq!(share.rows[0][t].as_i64(), Some(45));
    // Every step was audited, with the file's hash.
    let log = rt().block_on(own.state.db(|db| db.audit_entries(None, 500))).expect("audit");
    for action in ["upload", "upload_checked", "upload_previewed", "upload_commit", "upload_committed"] {
        assert!(log.iter().any(|e| e.action == action), "{action} audited");
    }
    assert!(log.iter().any(|e| e.action == "upload" && e.detail.contains("sha256=")));
}

#[test]
fn a_board_member_cannot_upload_and_nothing_is_stored() {
    let own = own(|_| {});
    let mut c = own.login("board");
    assert_eq!(c.get("/data/upload").status, StatusCode::FORBIDDEN);
    let csrf = c.csrf.clone();
    let res = send(&own.app, upload_request(&c, Body::from(multipart(Some(&csrf), &[], &[("r.csv", b"x")]))));
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(own.upload_dirs().is_empty());
}

#[test]
fn a_file_name_with_dot_dot_stays_inside_the_upload() {
    let own = own(|_| {});
    let mut c = own.login("steward");
    let body = roster(30, 10).replace("2015-04-01", "2016-04-01");
    let (page, res) = upload(&own, &mut c, &[("as_of", "2025-06-30")], &[("../../../escape.csv", body.as_bytes())]);
    assert!(res.text().contains("escape.csv"), "{}", res.text());
    assert!(!own.dir.path().join("escape.csv").exists() && !Path::new("/escape.csv").exists());
    let id = page.rsplit('/').next().expect("id");
    assert!(own.dir.path().join("uploads").join(id).join("escape.csv").exists());
}

#[test]
fn a_zip_bomb_named_xlsx_is_refused_at_the_check() {
    let own = own(|_| {});
    let mut c = own.login("steward");
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/worksheets/sheet1.xml", o).expect("entry");
        let zeros = vec![b'0'; 1 << 20];
        for _ in 0..16 {
            z.write_all(&zeros).expect("write");
        }
        z.finish().expect("finish");
    }
    let loads = own.loads();
    let (_, res) = upload(&own, &mut c, &[("dataset", "members")], &[("名簿.xlsx", buf.get_ref())]);
    assert!(res.text().contains("zip 爆弾"), "{}", res.text());
    assert_eq!(own.loads(), loads);
}

/// A body of 2 GiB: 1 MiB chunks after the form's head, always ready (the parser reads ahead
/// as far as a stream lets it: the body limit must stop it too).
fn endless(csrf: &str) -> Body {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.csv\"\r\n\r\n"
    );
    let chunks = std::iter::once(Ok::<_, std::io::Error>(axum::body::Bytes::from(head)))
        .chain((0..2048).map(|_| Ok(axum::body::Bytes::from(vec![b'a'; 1 << 20]))));
    Body::from_stream(futures::stream::iter(chunks))
}

#[test]
fn a_2_gb_body_is_cut_off_at_the_file_limit_and_leaves_nothing() {
    let own = own(|c| c.uploads.max_file_bytes = 4 << 20);
    let mut c = own.login("steward");
    c.get("/data/upload");
    let t = Instant::now();
    let res = send(&own.app, upload_request(&c, endless(&c.csrf.clone())));
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.text());
    assert!(t.elapsed() < Duration::from_secs(60), "stopped early, not after 2 GB");
    assert!(own.upload_dirs().is_empty(), "{:?}", own.upload_dirs());
}

#[test]
fn an_upload_cut_off_half_way_leaves_nothing() {
    let own = own(|_| {});
    let mut c = own.login("steward");
    c.get("/data/upload");
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"r.csv\"\r\n\r\n{HEADER}\nM0001,正会員",
        c.csrf
    );
    let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> =
        vec![Ok(axum::body::Bytes::from(head)), Err(std::io::Error::other("the client went away"))];
    let res = send(&own.app, upload_request(&c, Body::from_stream(futures::stream::iter(chunks))));
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text());
    assert!(own.upload_dirs().is_empty(), "{:?}", own.upload_dirs());
}

#[test]
fn a_file_before_the_csrf_token_or_without_it_is_refused_unread() {
    let own = own(|_| {});
    let mut c = own.login("steward");
    c.get("/data/upload");
    let res =
        send(&own.app, upload_request(&c, Body::from(multipart(None, &[], &[("r.csv", roster(1, 0).as_bytes())]))));
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text());
    let res = send(&own.app, upload_request(&c, Body::from(multipart(Some("wrong"), &[], &[("r.csv", b"x")]))));
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(own.upload_dirs().is_empty());
}

#[test]
fn another_users_preview_is_not_found_and_a_commit_needs_csrf() {
    let own = own(|_| {});
    let mut a = own.login("steward");
    let body = roster(31, 10);
    let (page, res) = upload(&own, &mut a, &[("as_of", "2025-06-30")], &[("r.csv", body.as_bytes())]);
    assert!(res.text().contains("取り込む"), "{}", res.text());
    let mut b = own.login("steward2");
    assert_eq!(b.get(&page).status, StatusCode::NOT_FOUND);
    let token = b.csrf.clone();
    assert_eq!(b.post(&format!("{page}/commit"), &[("csrf", &token)]).status, StatusCode::NOT_FOUND);
    assert_eq!(b.post(&format!("{page}/abandon"), &[("csrf", &token)]).status, StatusCode::NOT_FOUND);
    let loads = own.loads();
    assert_eq!(a.post(&format!("{page}/commit"), &[]).status, StatusCode::FORBIDDEN, "no CSRF token");
    assert_eq!(a.post(&format!("{page}/commit"), &[("csrf", "forged")]).status, StatusCode::FORBIDDEN);
    assert_eq!(own.loads(), loads);
    assert!(a.get(&page).text().contains("取り込む"), "still waiting for a decision");
}

#[test]
fn two_commits_of_one_preview_at_once_load_it_once() {
    let own = own(|_| {});
    let mut c = own.login("steward");
    let body = roster(32, 10);
    let (page, _) = upload(&own, &mut c, &[("as_of", "2025-06-30")], &[("r.csv", body.as_bytes())]);
    let loads = own.loads();
    let token = c.csrf.clone();
    let reqs = [
        c.post_request(&format!("{page}/commit"), &[("csrf", &token)]),
        c.post_request(&format!("{page}/commit"), &[("csrf", &token)]),
    ];
    let app = own.app.clone();
    let statuses: Vec<StatusCode> = rt().block_on(async move {
        use tower::ServiceExt;
        let [r1, r2] = reqs;
        let (a, b) = tokio::join!(app.clone().oneshot(r1), app.clone().oneshot(r2));
        vec![a.expect("infallible").status(), b.expect("infallible").status()]
    });
    assert!(statuses.contains(&StatusCode::SEE_OTHER) && statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    let done = settle(&mut c, &page);
    assert!(done.text().contains("取り込みました"), "{}", done.text());
    assert_eq!(own.loads(), loads + 1);
    let again = c.post(&format!("{page}/commit"), &[("csrf", &token)]);
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(own.loads(), loads + 1);
}

#[test]
fn a_file_changed_after_its_check_is_not_loaded() {
    let own = own(|_| {});
    let mut c = own.login("steward");
    let body = roster(33, 10);
    let (page, _) = upload(&own, &mut c, &[("as_of", "2025-06-30")], &[("r.csv", body.as_bytes())]);
    let id = page.rsplit('/').next().expect("id");
    std::fs::write(own.dir.path().join("uploads").join(id).join("r.csv"), roster(20, 30)).expect("tamper");
    let loads = own.loads();
    let token = c.csrf.clone();
    assert_eq!(c.post(&format!("{page}/commit"), &[("csrf", &token)]).status, StatusCode::SEE_OTHER);
    let res = settle(&mut c, &page);
    assert!(res.text().contains("検証の後にファイルが変わりました"), "{}", res.text());
    assert_eq!(own.loads(), loads);
}

#[test]
fn an_abandoned_upload_is_removed_and_audited() {
    let own = own(|_| {});
    let mut c = own.login("steward");
    let (page, _) = upload(&own, &mut c, &[("as_of", "2025-06-30")], &[("r.csv", roster(30, 11).as_bytes())]);
    let token = c.csrf.clone();
    assert_eq!(c.post(&format!("{page}/abandon"), &[("csrf", &token)]).status, StatusCode::SEE_OTHER);
    assert!(own.upload_dirs().is_empty());
    let log = rt().block_on(own.state.db(|db| db.audit_entries(Some("upload_abandoned"), 10))).expect("audit");
    assert_eq!(log.len(), 1);
}

#[test]
fn the_dataset_is_told_from_the_headers_and_the_page_says_why() {
    let own = own(|_| {});
    let mut c = own.login("admin");
    let (_, res) = upload(&own, &mut c, &[("as_of", "2025-06-30")], &[("名簿.csv", roster(30, 12).as_bytes())]);
    let text = res.text();
    assert!(text.contains("1 行目の見出しが「会員名簿」の"), "{text}");
}
