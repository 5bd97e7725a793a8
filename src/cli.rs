//! Command-line arguments.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "oncometrics",
    version,
    about = "会員・アンケート・専門医・拠点病院データの分析基盤 / analytics for an oncology society"
)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The DuckDB warehouse file.
    #[arg(long, global = true, env = "ONCOMETRICS_WAREHOUSE", default_value = "data/warehouse.duckdb")]
    pub warehouse: PathBuf,
    /// The Parquet lake directory [default: `lake/` beside the warehouse].
    #[arg(long, global = true, env = "ONCOMETRICS_LAKE")]
    pub lake: Option<PathBuf>,
    /// The pseudonymisation key file [default: `keys/pseudonym.key` beside the warehouse].
    #[arg(long, global = true, env = "ONCOMETRICS_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

impl StoreArgs {
    fn beside(&self, name: &str) -> PathBuf {
        self.warehouse
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from(name), |p| p.join(name))
    }

    pub fn lake_dir(&self) -> PathBuf {
        self.lake.clone().unwrap_or_else(|| self.beside("lake"))
    }

    pub fn key_path(&self) -> PathBuf {
        self.key_file.clone().unwrap_or_else(|| self.beside("keys/pseudonym.key"))
    }

    /// The dashboard's accounts and audit database [default: `app.duckdb` beside the warehouse].
    pub fn app_db(&self) -> PathBuf {
        self.beside("app.duckdb")
    }

    /// The upload area of the dashboard's 取り込み [default: `uploads/` beside the warehouse].
    pub fn uploads_dir(&self) -> PathBuf {
        self.beside("uploads")
    }

    pub fn rejects_dir(&self) -> PathBuf {
        self.beside("rejects")
    }
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a complete, deterministic set of sample input files (サンプル・架空データ).
    Sample {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Multiplies people (members, responses, specialists).
        #[arg(long, default_value_t = 1)]
        scale: u32,
        #[arg(long, default_value_t = 20260117)]
        seed: u64,
        /// The real reference data (area_basic.csv, facility_basic.csv).
        #[arg(long, env = "ONCOMETRICS_REFERENCE", default_value = "data/reference")]
        reference: PathBuf,
    },
    /// Start the web dashboard (loads the bundled sample first when the warehouse is empty).
    Serve(ServeArgs),
    /// Manage dashboard accounts (stop the server first: it holds the accounts database open).
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
    /// The dashboard's audit log (stop the server first: it holds the accounts database open).
    Audit {
        #[command(subcommand)]
        what: AuditCommand,
    },
    /// Validate and load files into the warehouse, all or nothing.
    Ingest(IngestArgs),
    /// Load every file of a sample directory (default: the bundled sample) and print `status`.
    Demo {
        #[arg(long, default_value = "data/sample")]
        sample: PathBuf,
    },
    /// List the load history.
    Loads {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Show what the warehouse holds.
    Status {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Survey helpers: propose a year's questionnaire from a survey tool's export.
    Survey {
        #[command(subcommand)]
        what: SurveyCommand,
    },
    /// Print (or write) docs/formats.md, generated from the dataset definitions.
    Formats {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Evaluate a metric of the catalog (`--list` lists them, `--docs` prints docs/metrics.md).
    Metric(MetricArgs),
    /// Renewal readiness (専門医更新): who is due in a round, how many are ready, what blocks
    /// the rest, the trend by round; `--list` lists the applicants, `--certificate` shows one.
    Renewals(RenewalsArgs),
    /// Generate a report: the board or committee pack (PDF or HTML), or the researcher data pack.
    Report {
        #[command(subcommand)]
        what: ReportCommand,
    },
    /// The committee's booklet 「私の声は届いていますか？」: import and export its workbook,
    /// build it as PDF or HTML, show where its answers stand (stop the server first: it holds
    /// the application database open).
    Booklet {
        #[command(subcommand)]
        what: BookletCommand,
    },
    /// Run metrics on more than one machine: start a Ballista scheduler or executor of this
    /// program (`--engine df://HOST:PORT` then sends the metrics' queries to the scheduler).
    Cluster {
        #[command(subcommand)]
        what: crate::cluster::ClusterCommand,
    },
    /// Benchmarks (run with a release build: `cargo run --release -- bench ingest`).
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// Internal: one benchmark measurement in a fresh process.
    #[command(hide = true)]
    BenchChild { kind: String, file: PathBuf, dir: PathBuf },
    /// Internal: a SQL console worker of `serve` (reads its tables and queries on stdin).
    #[command(hide = true, name = "console-worker")]
    ConsoleWorker,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ONCOMETRICS_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Sample directory loaded on first start when the warehouse holds no data.
    #[arg(long, env = "ONCOMETRICS_SAMPLE", default_value = "data/sample")]
    pub sample: PathBuf,
    /// Never load the sample, even into an empty warehouse.
    #[arg(long, env = "ONCOMETRICS_NO_SAMPLE")]
    pub no_sample: bool,
    /// Clients reach the server over HTTPS (directly or through a proxy): Secure cookies and HSTS.
    #[arg(long, env = "ONCOMETRICS_HTTPS")]
    pub https: bool,
    /// Minutes of inactivity that end a session.
    #[arg(long, env = "ONCOMETRICS_IDLE_MINUTES", default_value_t = 30)]
    pub idle_minutes: u64,
    /// Hours after login that end any session.
    #[arg(long, env = "ONCOMETRICS_SESSION_HOURS", default_value_t = 8)]
    pub session_hours: u64,
    /// The largest file the upload page (取り込み) accepts, in MB.
    #[arg(long, env = "ONCOMETRICS_MAX_UPLOAD_MB", default_value_t = 512)]
    pub max_upload_mb: u64,
    /// The SMTP server of the committee's alert e-mail: `smtp://host:587` (STARTTLS when
    /// offered), `smtps://user:password@host`; without it e-mail is off. Best given in the
    /// environment, not on the command line.
    #[arg(long, env = "ONCOMETRICS_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The alert e-mail's sender.
    #[arg(long, env = "ONCOMETRICS_SMTP_FROM", default_value = "oncometrics <noreply@localhost>")]
    pub smtp_from: String,
    /// Alert when the 80% projection falls below the rule within this many months (12–36).
    #[arg(long, env = "ONCOMETRICS_ALERT_HORIZON_MONTHS", default_value_t = 12)]
    pub alert_horizon_months: u32,
    /// Alert when fewer non-physician 正会員 than this may still join (the rule's headroom).
    #[arg(long, env = "ONCOMETRICS_ALERT_MIN_HEADROOM", default_value_t = 20)]
    pub alert_min_headroom: u64,
    /// Where the pages' metrics run: `memory` (the warehouse read into memory at start and
    /// on reload), `lake` (over the Parquet lake, memory bounded) or `df://HOST:PORT` (the lake
    /// on a Ballista cluster); see `metric --engine`.
    #[arg(long, value_parser = parse_engine, default_value = "memory", env = "ONCOMETRICS_ENGINE")]
    pub engine: EngineMode,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// 理事会資料: headline numbers, the 80% rule, joins and leaves, survey, specialists and
    /// 空白の二次医療圏, with the board's small-cell suppression.
    Board(ReportArgs),
    /// 会員委員会資料: exact counts (committee only), what-if scenarios, flows, retention,
    /// survey cross-tabs and free-text terms.
    Committee(CommitteeArgs),
    /// 研究者向けデータパック: suppressed area-, prefecture- and national-level tables as CSV,
    /// XLSX, Parquet and DuckDB, with codebook, manifest and README; `--out` is a directory or a `.zip`.
    Research(ReportArgs),
}

#[derive(Debug, Args)]
pub struct CommitteeArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// A what-if scenario, `staff_full=N,staff_associate=N,physicians=N` (repeatable)
    /// [default: the headroom filled, and one more].
    #[arg(long = "what-if")]
    pub what_if: Vec<String>,
    /// A cross-tab, `QUESTION:COLUMN` with COLUMN another 設問ID or profession, age_band,
    /// region (repeatable) [default: Q01 against each segment].
    #[arg(long)]
    pub crosstab: Vec<String>,
    /// The survey 年度 [default: the latest].
    #[arg(long)]
    pub survey_year: Option<i32>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The output: `.pdf` or `.html` (board, committee); a directory or `.zip` (research).
    #[arg(long)]
    pub out: PathBuf,
    /// The business date (西暦 or 和暦) [default: the latest roster snapshot].
    #[arg(long, value_parser = parse_date, env = "ONCOMETRICS_AS_OF")]
    pub as_of: Option<NaiveDate>,
    /// Use the store as this load saw it [default: the latest load], to make a past pack again.
    #[arg(long)]
    pub at_load: Option<i64>,
    /// Where the pack's metrics run: `memory`, `lake` or `df://HOST:PORT` (see `metric --engine`).
    #[arg(long, value_parser = parse_engine, default_value = "memory", env = "ONCOMETRICS_ENGINE")]
    pub engine: EngineMode,
}

#[derive(Debug, Subcommand)]
pub enum BookletCommand {
    /// List the editions with their version and state.
    List,
    /// Import a workbook (layout: docs/booklet.md): a new edition from every sheet, or the
    /// answers of 回答 into an existing one; a bad row refuses the whole file.
    Import {
        file: PathBuf,
        /// The edition the file must be (refused when it is another).
        #[arg(long)]
        edition: Option<i32>,
        #[command(flatten)]
        who: BookletUser,
    },
    /// Write an edition's workbook (or one respondent's questions, to fill in).
    Export {
        #[arg(long)]
        edition: i32,
        #[arg(long)]
        out: PathBuf,
        /// Only this respondent's (回答者ID) questions and answers.
        #[arg(long)]
        respondent: Option<u32>,
    },
    /// Build the booklet as `.pdf` or `.html`: a published edition as published, a draft as it
    /// stands (marked 校正用). The same version over the same loads gives the same bytes.
    Build {
        #[arg(long)]
        edition: i32,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        who: BookletUser,
    },
    /// Where each question's answers stand (assigned, drafted, submitted, returned, approved).
    Status {
        #[arg(long)]
        edition: i32,
        /// Late means past its due date on this day [default: today].
        #[arg(long, value_parser = parse_date)]
        today: Option<NaiveDate>,
    },
}

/// Who runs a booklet command (the audit log names them).
#[derive(Debug, Args)]
pub struct BookletUser {
    /// The name the audit log and the history record [default: $USER].
    #[arg(long = "user", env = "USER", default_value = "cli")]
    pub user: String,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account with a random password, printed once.
    Add {
        username: String,
        /// admin, committee, board, researcher, steward (データ管理者: loads data in the browser) or
        /// respondent (回答者: answers the booklet questions assigned to them).
        #[arg(long)]
        role: String,
    },
    /// Give an account a new random password (printed once) and enable it.
    Reset { username: String },
    /// List accounts.
    List,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit log's hash chain; exits non-zero at the first entry that was
    /// changed, inserted or had an entry before it removed. Prints the last hash: keep it
    /// elsewhere to detect a cut-off tail.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Every metric at several scales, with the physician share by prefecture in DuckDB and polars.
    Metrics {
        #[arg(long, value_delimiter = ',', default_values_t = vec![1, 10, 100])]
        scales: Vec<u32>,
        /// Working directory for generated samples and warehouses.
        #[arg(long, default_value = "target/bench")]
        work: PathBuf,
        #[arg(long, default_value = "data/reference")]
        reference: PathBuf,
        /// Timed runs per metric (after one warm-up); the median is reported.
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Only these metrics (names or prefixes such as `survey.`); the comparisons and
        /// the whole-catalog sum are then left out.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Reuse the warehouse a previous run loaded at that scale instead of loading afresh.
        #[arg(long)]
        reuse: bool,
        /// Also time this SQL over the snapshot (repeatable; for finding where a metric spends its time).
        #[arg(long)]
        sql: Vec<String>,
        /// Where the metrics run: `memory`, `lake` or `df://HOST:PORT` (one engine per process;
        /// its peak memory is counted from after the load, but what the load left in memory
        /// counts too: use `--reuse` for the engine's own).
        #[arg(long, value_parser = parse_engine, default_value = "memory")]
        engine: EngineMode,
        /// Start a Ballista cluster of this many executors (2 tasks each) on this machine for each
        /// scale and run the metrics on it; the peak memory of each of its processes is printed.
        #[arg(long, conflicts_with = "engine")]
        local_cluster: Option<usize>,
    },
    /// The board pack (PDF and HTML) at several scales, in-process by stage and as the CLI command.
    Report {
        #[arg(long, value_delimiter = ',', default_values_t = vec![1, 10])]
        scales: Vec<u32>,
        /// Working directory for generated samples and warehouses.
        #[arg(long, default_value = "target/bench")]
        work: PathBuf,
        #[arg(long, default_value = "data/reference")]
        reference: PathBuf,
        /// Timed runs per stage (after one warm-up); the median is reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Members roster ingest vs DuckDB read_csv and polars read_csv.
    Ingest {
        #[arg(long, value_delimiter = ',', default_values_t = vec![1, 10, 100])]
        scales: Vec<u32>,
        /// Working directory for generated files.
        #[arg(long, default_value = "target/bench")]
        work: PathBuf,
        #[arg(long, default_value = "data/reference")]
        reference: PathBuf,
        /// Runs per case; the best is reported.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
}

#[derive(Debug, Args)]
pub struct RenewalsArgs {
    /// 更新年度 (the fiscal year in which the certificates expire) [default: the round open now].
    #[arg(long)]
    pub round: Option<i32>,
    /// がん薬物療法専門医 or がん治療認定医 [default: both].
    #[arg(long)]
    pub qualification: Option<String>,
    /// List the applicants of the round with what blocks them (committee only).
    #[arg(long)]
    pub list: bool,
    /// With --list: only 準備完了, 未充足 or 未申請.
    #[arg(long, requires = "list")]
    pub status: Option<String>,
    /// Show every finding of one applicant (committee only).
    #[arg(long)]
    pub certificate: Option<String>,
    /// The business date (西暦 or 和暦): the default round is the one open then, and a due
    /// certificate counts as 失効 when it expired before it [default: the latest roster snapshot].
    #[arg(long, value_parser = parse_date, env = "ONCOMETRICS_AS_OF")]
    pub as_of: Option<NaiveDate>,
    /// Print the rules reference (docs/renewals.md) instead; needs no warehouse.
    #[arg(long, conflicts_with_all = ["list", "certificate", "round"])]
    pub rules: bool,
    /// committee (no suppression; needed for --list and --certificate), board or researcher.
    #[arg(long, default_value = "committee", env = "ONCOMETRICS_AUDIENCE")]
    pub audience: String,
    /// Evaluate over the store as this load saw it [default: the latest load].
    #[arg(long)]
    pub at_load: Option<i64>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum MetricFormat {
    #[default]
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct MetricArgs {
    /// The metric's name, e.g. members.physician_share.
    #[arg(required_unless_present_any = ["list", "docs"])]
    pub name: Option<String>,
    /// List every metric with its one-line definition.
    #[arg(long, conflicts_with = "docs")]
    pub list: bool,
    /// Print the catalog reference (docs/metrics.md).
    #[arg(long)]
    pub docs: bool,
    /// The business date (西暦 or 和暦) [default: the latest roster snapshot].
    #[arg(long, value_parser = parse_date, env = "ONCOMETRICS_AS_OF")]
    pub as_of: Option<NaiveDate>,
    /// Grouping, one of the metric's `by` values (see --list).
    #[arg(long)]
    pub by: Option<String>,
    /// A metric parameter, `name=value` (repeatable).
    #[arg(long = "param", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// committee (no suppression), board or researcher.
    #[arg(long, default_value = "researcher", env = "ONCOMETRICS_AUDIENCE")]
    pub audience: String,
    /// Evaluate over the store as this load saw it [default: the latest load].
    #[arg(long)]
    pub at_load: Option<i64>,
    #[arg(long, value_enum, default_value_t)]
    pub format: MetricFormat,
    /// Where the metric runs: `memory` (the warehouse read into memory), `lake` (over the
    /// Parquet lake's files, without opening the warehouse) or `df://HOST:PORT` (over the lake,
    /// run by the Ballista cluster whose scheduler is there: `oncometrics cluster`).
    #[arg(long, value_parser = parse_engine, default_value = "memory", env = "ONCOMETRICS_ENGINE")]
    pub engine: EngineMode,
}

/// Where metrics run: `memory`, `lake` or `df://HOST:PORT` ([`queries::engine::Mode`]).
pub type EngineMode = queries::engine::Mode;

fn parse_engine(s: &str) -> Result<EngineMode, String> {
    s.parse().map_err(|e: queries::Error| e.to_string())
}

/// Opens the engine `mode` over the store as load `at_load` saw it.
pub fn open_engine(mode: &EngineMode, store: &StoreArgs, at_load: Option<i64>) -> anyhow::Result<queries::Engine> {
    use anyhow::Context as _;
    match mode {
        EngineMode::Memory => {
            let wh = store::Warehouse::open(&store.warehouse, &store.lake_dir()).with_context(|| {
                format!("ウェアハウスを開けません / cannot open the warehouse {}", store.warehouse.display())
            })?;
            Ok(queries::Engine::open(&wh, at_load)?)
        }
        EngineMode::Lake => Ok(queries::Engine::open_lake(&store.lake_dir(), at_load)?),
        EngineMode::Cluster(addr) => Ok(queries::Engine::open_cluster(addr, &store.lake_dir(), at_load)?),
    }
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("expected name=value, got {s:?}"))
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// members, survey (waves, questions and responses by their headers), survey_waves,
    /// survey_questions, survey_responses, specialists, designations, hospital_volumes, areas, hospitals.
    pub dataset: String,
    /// CSV, TSV or XLSX files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The roster snapshot date (members), when the file has no 抽出日 column. 西暦 or 和暦.
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Commit the good rows and record the rejects, instead of failing the load.
    #[arg(long)]
    pub accept_partial: bool,
    /// Validate only; commit nothing.
    #[arg(long)]
    pub check: bool,
    /// A header-mapping file: lines `file header = column`.
    #[arg(long)]
    pub header_map: Option<PathBuf>,
    /// The worksheet of an XLSX file [default: the first visible one].
    #[arg(long)]
    pub sheet: Option<String>,
    /// Where reject files go [default: `rejects/` beside the warehouse].
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// The 年度 of a survey tool's export (survey_responses): its answers carry none.
    #[arg(long)]
    pub fiscal_year: Option<i32>,
    /// The survey tool of a responses export: google-forms, microsoft-forms, surveymonkey,
    /// qualtrics or limesurvey [default: detected from the headers].
    #[arg(long)]
    pub source: Option<String>,
    /// For the ministry's designation list: a CSV `都道府県,一覧表の名称,医療機関マスタの名称` naming
    /// the master hospital of a list name that matches none or several (kept for next year).
    #[arg(long)]
    pub name_map: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// Propose the questionnaire (the survey_questions layout) from a survey tool's export, for
    /// the committee to review and load; questions worded as last year's keep last year's 設問ID.
    DraftQuestions {
        /// The export (Google Forms, Microsoft Forms, SurveyMonkey, Qualtrics, LimeSurvey).
        export: PathBuf,
        /// The 年度 of the survey.
        #[arg(long)]
        fiscal_year: i32,
        /// Where to write the questionnaire (CSV, UTF-8 with BOM).
        #[arg(long)]
        out: PathBuf,
        /// The tool [default: detected from the headers].
        #[arg(long)]
        source: Option<String>,
    },
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    ingest::normalize::date(s).map_err(|p| format!("{} / {}", p.ja, p.en))
}
