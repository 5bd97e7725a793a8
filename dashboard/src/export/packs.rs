//! The board and committee packs as PDF, built on demand from the snapshot the pages show,
//! for the roles that may have them, one at a time, and written to the audit log.
//!
//! - `/reports/board.pdf`: 理事会資料 (the board's audience: suppression as for the board),
//!   for the board, the committee and admins.
//! - `/reports/committee.pdf`: 会員委員会資料, for the committee and admins only.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use queries::{Audience, Engine};
use reports::packs::{Context, board, committee};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::extractor::User;
use crate::pages::{Params, as_of};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/{file}", get(pack))
}

/// One pack at a time: a pack evaluates most of the catalog and renders a PDF.
static BUILDING: Semaphore = Semaphore::const_new(1);

/// A pack of the `reports` crate that a page links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pack {
    Board,
    Committee,
}

impl Pack {
    fn of(file: &str) -> Option<Pack> {
        match file {
            "board.pdf" => Some(Pack::Board),
            "committee.pdf" => Some(Pack::Committee),
            _ => None,
        }
    }

    /// The audience the pack is written for (its suppression).
    fn audience(self) -> Audience {
        match self {
            Pack::Board => Audience::Board,
            Pack::Committee => Audience::Committee,
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            Pack::Board => "理事会資料（PDF）",
            Pack::Committee => "会員委員会資料（PDF）",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Pack::Board => "/reports/board.pdf",
            Pack::Committee => "/reports/committee.pdf",
        }
    }

    /// Whether the user may have the pack: the board pack goes to the board and to those who
    /// see more (committee, admin); the committee pack only to the committee and admins.
    pub fn allowed(self, user: &User) -> bool {
        match self {
            Pack::Board => matches!(user.audience(), Audience::Board | Audience::Committee),
            Pack::Committee => user.audience() == Audience::Committee,
        }
    }
}

async fn pack(
    State(state): State<AppState>,
    user: User,
    Path(file): Path<String>,
    Query(params): Query<Params>,
) -> Result<Response> {
    let pack = Pack::of(&file).ok_or(Error::NotFound)?;
    if !pack.allowed(&user) {
        return Err(Error::Forbidden);
    }
    let d = as_of(&state, &params)?;
    let _turn = BUILDING
        .try_acquire()
        .map_err(|_| Error::Busy("ほかの報告書を作成中です / another pack is being built".into()))?;
    let snapshot = state.snapshot();
    let bytes = tokio::task::spawn_blocking(move || build(pack, snapshot, d))
        .await
        .map_err(|e| Error::Internal(format!("pack build: {e}")))??;
    state.audit(Some(user.name()), "report", &file, &format!("as_of={d}"), &user.addr).await?;
    let name = format!("{}_{d}.pdf", if pack == Pack::Board { "board_pack" } else { "committee_pack" });
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

fn build(pack: Pack, snapshot: Arc<queries::Snapshot>, d: chrono::NaiveDate) -> Result<Vec<u8>> {
    let engine = Engine::over(snapshot)?;
    let cx = Context::new(&engine, d, pack.audience());
    let doc = match pack {
        Pack::Board => board::build(&cx),
        Pack::Committee => committee::build(&cx, &committee::Options::default()),
    }
    .map_err(|e| Error::Internal(format!("pack: {e}")))?;
    reports::pdf::render(&doc).map_err(|e| Error::Internal(format!("pack PDF: {e}")))
}
