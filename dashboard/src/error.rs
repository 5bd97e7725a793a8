//! The server's one error type. A user sees a short bilingual message and a status;
//! internal details (paths, SQL, engine errors) go to the log only.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use queries::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not logged in (or the session expired): pages redirect to the login form.
    #[error("login required")]
    LoginRequired,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// A request a user can fix: the message is shown as is.
    #[error("{0}")]
    BadRequest(String),
    #[error("CSRF token missing or wrong")]
    Csrf,
    /// The request conflicts with what is under way (a load running, a preview committed): 409.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A body over its limit (an upload's file): 413.
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("too many attempts")]
    TooManyAttempts,
    /// Too much is running (console queries): try again in a moment (429).
    #[error("busy: {0}")]
    Busy(String),
    /// The server cannot take this now (every password check slot is busy): 503.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The account's password was generated and must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// A respondent (回答者) asked for the home page: theirs is 回答.
    #[error("a respondent's home is /answers")]
    AnswersHome,
    #[error(transparent)]
    Metric(#[from] queries::Error),
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Chart(#[from] reports::Error),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::LoginRequired => StatusCode::UNAUTHORIZED,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Csrf => StatusCode::FORBIDDEN,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::TooManyAttempts | Error::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::PasswordChangeRequired => StatusCode::FORBIDDEN,
            Error::AnswersHome => StatusCode::SEE_OTHER,
            Error::Metric(e) => match e.kind() {
                ErrorKind::NotFound => StatusCode::NOT_FOUND,
                ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
                ErrorKind::NotPermitted => StatusCode::FORBIDDEN,
                ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Error::Store(_) | Error::Chart(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the user is told (Japanese first, then English).
    pub fn public_message(&self) -> String {
        match self {
            Error::LoginRequired => "ログインしてください / please log in".into(),
            Error::Forbidden => "この操作の権限がありません / you may not do this".into(),
            Error::NotFound => "ページが見つかりません / not found".into(),
            Error::BadRequest(m) => m.clone(),
            Error::Csrf => {
                "フォームの有効期限が切れました。ページを開き直してください / the form expired; reload the page".into()
            }
            Error::TooManyAttempts => {
                "ログインの試行が多すぎます。15分ほど待ってからお試しください / too many attempts; try again in 15 minutes".into()
            }
            Error::Busy(m) | Error::Unavailable(m) | Error::Conflict(m) | Error::TooLarge(m) => m.clone(),
            Error::PasswordChangeRequired => {
                "初回のパスワードを変更してください（パスワード → 変更） / change the generated password first".into()
            }
            Error::AnswersHome => "回答のページへ / to your answers".into(),
            Error::Metric(e) => match e.kind() {
                ErrorKind::NotFound | ErrorKind::InvalidInput => e.to_string(),
                ErrorKind::NotPermitted => "この指標を見る権限がありません / you may not see this metric".into(),
                ErrorKind::Internal => internal_message(),
            },
            Error::Store(_) | Error::Chart(_) | Error::Internal(_) => internal_message(),
        }
    }

    /// Seconds a client should wait before trying again (for 429 answers).
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            Error::Busy(_) => Some(5),
            Error::Unavailable(_) => Some(2),
            Error::TooManyAttempts => Some(900),
            _ => None,
        }
    }

    fn log(&self) {
        if self.status().is_server_error() {
            tracing::error!("{self}");
        }
    }
}

fn internal_message() -> String {
    "内部エラーが発生しました。管理者に連絡してください / internal error; the administrator has the details in the log"
        .into()
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        self.log();
        if matches!(self, Error::LoginRequired) {
            return Redirect::to("/login").into_response();
        }
        if matches!(self, Error::PasswordChangeRequired) {
            return Redirect::to("/account/password").into_response();
        }
        if matches!(self, Error::AnswersHome) {
            return Redirect::to("/answers").into_response();
        }
        let status = self.status();
        let mut message = self.public_message();
        if let (Error::Busy(_) | Error::Unavailable(_), Some(secs)) = (&self, self.retry_after()) {
            message.push_str(&format!("（{secs} 秒ほど待ってから、もう一度お試しください / try again in {secs} s）"));
        }
        let body = crate::html::error_page(status, &message);
        let mut res = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
        if let Some(secs) = self.retry_after() {
            res.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        res
    }
}

/// The same errors, rendered as JSON for `/api/...`.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let body = serde_json::json!({ "error": { "status": status.as_u16(), "message": self.0.public_message() } });
        let mut res = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.0.retry_after() {
            res.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG and plain courtesy: a 429 page says how long to wait, as does its Retry-After.
    #[test]
    fn a_busy_answer_says_how_long_to_wait() {
        let res = Error::Busy("SQL コンソールが混み合っています".into()).into_response();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("5"));
        let body = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(axum::body::to_bytes(res.into_body(), 1 << 20))
            .expect("body");
        assert!(String::from_utf8_lossy(&body).contains("5 秒ほど待ってから、もう一度お試しください"));
    }
}
