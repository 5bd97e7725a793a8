//! `oncometrics serve` and `oncometrics user`: glue between the store, the sample loader
//! and the dashboard crate.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use dashboard::auth::session::Timeouts;
use dashboard::auth::throttle::Limits;
use dashboard::auth::{Role, password};
use store::AppDb;

use crate::cli::{AuditCommand, ServeArgs, StoreArgs, UserCommand};
use crate::data::{load_sample, open};

/// Loads the sample when the warehouse is empty, makes the first admin, and serves.
pub fn serve(store: &StoreArgs, args: &ServeArgs) -> Result<ExitCode> {
    let started = Instant::now();
    // Into an empty warehouse the sample loads after the server listens (pages wait for it).
    let load_first = open(store)?.loads()?.is_empty() && !args.no_sample;
    let app_db_path = store.app_db();
    {
        let db = AppDb::open(&app_db_path)?;
        if let Some(pw) = dashboard::bootstrap_admin(&db)? {
            println!();
            println!("最初の管理者アカウントを作成しました / created the first admin account:");
            println!("  ユーザー名 / user: admin");
            println!("  パスワード / password: {pw}");
            println!(
                "  （この一度だけ表示されます。ログイン後に変更してください / shown once; change it after logging in）"
            );
            println!();
        }
    }
    let config = dashboard::Config {
        addr: args.addr,
        warehouse: store.warehouse.clone(),
        lake: store.lake_dir(),
        app_db: app_db_path,
        https: args.https,
        timeouts: Timeouts {
            idle: Duration::from_secs(args.idle_minutes.max(1) * 60),
            absolute: Duration::from_secs(args.session_hours.max(1) * 3600),
        },
        login_limits: Limits::default(),
        connections: dashboard::server::ConnLimits::default(),
        console_worker: Some(std::env::current_exe().context("the path of this executable (for console workers)")?),
        key_file: store.key_path(),
        uploads: dashboard::loading::UploadConfig {
            max_file_bytes: args.max_upload_mb.max(1) << 20,
            ..dashboard::loading::UploadConfig::new(store.uploads_dir())
        },
        alert_thresholds: queries::alerts::Thresholds {
            horizon_months: args.alert_horizon_months.clamp(12, 36),
            min_headroom: args.alert_min_headroom,
            ..queries::alerts::Thresholds::default()
        },
        mail: args.smtp_url.clone().map(|url| dashboard::alerts::MailConfig { url, from: args.smtp_from.clone() }),
        engine: args.engine.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    runtime.block_on(async {
        let state = dashboard::AppState::open(config).await?;
        if load_first {
            println!(
                "ウェアハウスが空のため {} を読み込みます（読み込み中もログインできます）/ loading the sample into the empty warehouse ({})",
                model::SAMPLE_LABEL,
                args.sample.display()
            );
            let (store, sample) = (store.clone(), args.sample.clone());
            dashboard::warmup::load_in_background(&state, move || {
                let t = Instant::now();
                let mut wh = open(&store).map_err(|e| format!("{e:#}"))?;
                match load_sample(&store, &mut wh, &sample) {
                    Ok(true) => {
                        println!("サンプルを読み込みました（{:.1} 秒）/ sample loaded", t.elapsed().as_secs_f64());
                        Ok(())
                    }
                    Ok(false) => Err("取り込みが完了しませんでした / a file was rejected".into()),
                    Err(e) => Err(format!("{e:#}")),
                }
            });
        }
        dashboard::serve(state, |addr| {
            println!(
                "http://{addr}/ で待ち受けています（{:.1} 秒で起動）/ listening on http://{addr}/ — Ctrl-C で停止",
                started.elapsed().as_secs_f64()
            );
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Account management from the command line (e.g. a lost admin password).
pub fn user(store: &StoreArgs, what: UserCommand) -> Result<ExitCode> {
    let db = AppDb::open(&store.app_db())?;
    match what {
        UserCommand::Add { username, role } => {
            let Some(role) = Role::parse(&role) else {
                bail!(
                    "役割 {role:?} はありません / role must be admin, committee, board, researcher, steward or respondent"
                );
            };
            let pw = password::generate()?;
            let hash = password::hash(&pw)?;
            db.atomically(|db| {
                db.create_account(&username, role.name(), &hash)?;
                db.set_must_change(&username, true)?;
                db.audit(None, "account_created", &username, role.name(), "cli")
            })?;
            println!("{username}（{}）を作成しました。パスワード / password: {pw}", role.ja());
        }
        UserCommand::Reset { username } => {
            let pw = password::generate()?;
            let hash = password::hash(&pw)?;
            let found = db.atomically(|db| {
                if !db.set_password(&username, &hash)? {
                    return Ok(false);
                }
                db.set_disabled(&username, false)?;
                db.set_must_change(&username, true)?;
                db.audit(None, "password_reset", &username, "", "cli")?;
                Ok(true)
            })?;
            if !found {
                bail!("アカウント {username} はありません / no such account");
            }
            println!("{username} の新しいパスワード / new password: {pw}");
        }
        UserCommand::List => {
            let rows: Vec<Vec<String>> = db
                .accounts()?
                .into_iter()
                .map(|a| {
                    vec![a.username, a.role, a.created_at, if a.disabled { "disabled".into() } else { String::new() }]
                })
                .collect();
            print!("{}", crate::output::table(&["user", "role", "created", "state"], &rows, &[]));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `oncometrics audit verify`.
pub fn audit(store: &StoreArgs, what: AuditCommand) -> Result<ExitCode> {
    let db = AppDb::open(&store.app_db())?;
    match what {
        AuditCommand::Verify => {
            let v = db.verify_audit()?;
            match v.broken {
                None => {
                    println!("監査ログは改ざんされていません / the audit log is intact: {} 件 / entries", v.entries);
                    println!("最後のハッシュ / last hash: {}", v.head);
                    Ok(ExitCode::SUCCESS)
                }
                Some((id, why)) => {
                    println!("監査ログの記録 {id} が一致しません / entry {id} does not match: {why}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
