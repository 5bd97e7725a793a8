//! 冊子 and 回答: the committee's booklet 「私の声は届いていますか？」 in the browser — the
//! workflow of the `booklet` crate from survey evidence to the published file. Every page
//! works without JavaScript.
//!
//! - [`editions`]: the list of editions and a new one (empty, or with last year's structure).
//! - [`edit`]: one edition — progress, files, settings, はじめに, sections, respondents,
//!   notices, roster, history.
//! - [`question`]: one question — text, evidence, assignments, follow-up; a question
//!   started from a chart of the アンケート page.
//! - [`review`]: one answer under review — history, comments, edit, send back, approve.
//! - [`respond`]: 回答, a respondent's own questions and answers.
//! - [`publish`]: preview, PDF and HTML, publishing, the workbook out and in.
//! - [`common`]: what they share (errors, the actor, evidence as the board sees it, forms).

pub mod common;
pub mod edit;
pub mod editions;
pub mod publish;
pub mod question;
pub mod respond;
pub mod review;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/booklet", get(editions::list).post(editions::create))
        .route("/booklet/new-question", get(question::from_chart).post(question::create_from_chart))
        .route("/booklet/{edition}", get(edit::show))
        .route("/booklet/{edition}/edit", post(edit::apply))
        .route("/booklet/{edition}/q/{question}", get(question::show).post(question::apply))
        .route("/booklet/{edition}/answer/{question}/{respondent}", get(review::show).post(review::save))
        .route("/booklet/{edition}/preview", get(publish::preview))
        .route("/booklet/{edition}/publish", post(publish::publish))
        .route("/booklet/{edition}/export.xlsx", get(publish::export))
        .route(
            "/booklet/{edition}/import",
            post(publish::import).layer(DefaultBodyLimit::max(publish::MAX_WORKBOOK + 64 * 1024)),
        )
        .route("/booklet/{edition}/{file}", get(publish::file))
        .route("/answers", get(respond::list))
        .route("/answers/{edition}/{question}", get(respond::show).post(respond::save))
}
