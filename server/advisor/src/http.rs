//! The one HTTP client (reqwest with rustls; proxies from `HTTP(S)_PROXY`/`NO_PROXY` as
//! reqwest reads them) and JSON requests with a timeout and retries on 429/5xx.
//!
//! Every request is an ordinary future: dropping it (as tower-lsp does on `$/cancelRequest`)
//! closes the connection, so a cancelled review stops at once on both ends.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use serde_json::Value;

/// Attempts per request: the first and two retries.
const ATTEMPTS: u32 = 3;
/// The first retry waits this long, the next twice as long (unless `Retry-After` says otherwise).
const BACKOFF: Duration = Duration::from_millis(300);
/// A `Retry-After` longer than this is not waited for: the error is reported instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// What went wrong, worded for a person (shown in `window/showMessage` and by the CLI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// No connection: refused, DNS, TLS.
    Unreachable { url: String, reason: String },
    /// 401/403: the key is missing or wrong.
    Unauthorized { url: String, status: u16 },
    /// No answer within the timeout.
    Timeout { url: String, secs: u64 },
    /// Any other unsuccessful status (after the retries, for 429/5xx).
    Status {
        url: String,
        status: u16,
        body: String,
    },
    /// The answer was not the JSON we asked for.
    Malformed { url: String, reason: String },
    /// The HTTP client could not be set up (TLS roots).
    Client(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreachable { url, reason } => write!(f, "cannot reach {url}: {reason}"),
            Self::Unauthorized { url, status } => write!(
                f,
                "{url} refused the request ({status}): check the API key (the variable named by `api_key_env`)"
            ),
            Self::Timeout { url, secs } => write!(f, "{url} did not answer within {secs} s"),
            Self::Status { url, status, body } => {
                write!(f, "{url} answered {status}")?;
                if !body.is_empty() {
                    write!(f, ": {body}")?;
                }
                Ok(())
            }
            Self::Malformed { url, reason } => write!(f, "{url} sent an answer we cannot use: {reason}"),
            Self::Client(reason) => write!(f, "cannot set up the HTTP client: {reason}"),
        }
    }
}

impl std::error::Error for HttpError {}

/// The process-wide client: one connection pool, one TLS configuration.
pub fn client() -> Result<&'static reqwest::Client, HttpError> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .user_agent(concat!("backend-architect/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| HttpError::Client(e.clone()))
}

/// A short, single-line excerpt of an error body (never the whole page).
fn excerpt(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 200 {
        format!("{}…", one_line.chars().take(200).collect::<String>())
    } else {
        one_line
    }
}

/// How long a `Retry-After` value asks to wait: delay-seconds or an HTTP date (RFC 9110
/// §10.2.3, in any of the three formats `httpdate` reads); a date already past means now.
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn describe(e: &reqwest::Error) -> String {
    // The innermost cause says the most ("Connection refused"), reqwest's own text the least.
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut last = e.to_string();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

/// One attempt's failure: the error, and for 429/5xx how long the server asked us to wait
/// (`Retry-After`), which makes it worth retrying.
struct Failed {
    error: HttpError,
    retry: Option<Option<Duration>>,
}

impl Failed {
    fn last(error: HttpError) -> Self {
        Self { error, retry: None }
    }
}

/// Sends `body` as JSON (or a GET when `body` is `None`) and returns the JSON answer.
/// Retries 429 and 5xx with exponential backoff (`backon`), or after what `Retry-After` asks,
/// giving up when it asks for more than [`MAX_RETRY_AFTER`]; 401/403, other
/// 4xx, timeouts and garbage fail at once.
pub async fn json_request(
    url: &str,
    body: Option<&Value>,
    bearer: Option<&str>,
    timeout: Duration,
) -> Result<Value, HttpError> {
    use backon::{ExponentialBuilder, Retryable};
    let client = client()?;
    let backoff = ExponentialBuilder::default()
        .with_min_delay(BACKOFF)
        .with_factor(2.0)
        .with_max_times(ATTEMPTS as usize - 1);
    let attempt = || attempt(client, url, body, bearer, timeout);
    attempt
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|failed: &Failed| failed.retry.is_some())
        .adjust(|failed: &Failed, planned: Option<Duration>| {
            // `planned` is `None` once the attempts are used up.
            let planned = planned?;
            let delay = failed.retry.flatten().unwrap_or(planned);
            (delay <= MAX_RETRY_AFTER).then_some(delay)
        })
        .notify(|failed: &Failed, delay: Duration| {
            tracing::info!("{}; retrying in {delay:?}", failed.error);
        })
        .await
        .map_err(|failed| failed.error)
}

async fn attempt(
    client: &reqwest::Client,
    url: &str,
    body: Option<&Value>,
    bearer: Option<&str>,
    timeout: Duration,
) -> Result<Value, Failed> {
    let timed_out = || {
        Failed::last(HttpError::Timeout {
            url: url.to_owned(),
            secs: timeout.as_secs().max(1),
        })
    };
    let mut req = match body {
        Some(b) => client.post(url).json(b),
        None => client.get(url),
    };
    req = req.timeout(timeout).header("accept", "application/json");
    if let Some(key) = bearer {
        req = req.bearer_auth(key);
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return Err(timed_out()),
        Err(e) => {
            return Err(Failed::last(HttpError::Unreachable {
                url: url.to_owned(),
                reason: describe(&e),
            }))
        }
    };
    let status = resp.status();
    if status == 401 || status == 403 {
        return Err(Failed::last(HttpError::Unauthorized {
            url: url.to_owned(),
            status: status.as_u16(),
        }));
    }
    let retry = (status == 429 || status.is_server_error()).then(|| {
        resp.headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, SystemTime::now()))
    });
    let text = match resp.text().await {
        Ok(t) => t,
        Err(e) if e.is_timeout() => return Err(timed_out()),
        Err(e) => {
            return Err(Failed::last(HttpError::Malformed {
                url: url.to_owned(),
                reason: describe(&e),
            }))
        }
    };
    if !status.is_success() {
        return Err(Failed {
            error: HttpError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
                body: excerpt(&text),
            },
            retry,
        });
    }
    serde_json::from_str(&text).map_err(|e| {
        Failed::last(HttpError::Malformed {
            url: url.to_owned(),
            reason: format!("not JSON ({e})"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_http_dates() {
        // 2015-10-21T07:28:00Z, the example of RFC 9110.
        let date = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        let before = date - Duration::from_secs(5);
        assert_eq!(retry_after("120", before), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 0 ", before), Some(Duration::ZERO));
        // The three date formats a server may send.
        for value in [
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Wednesday, 21-Oct-15 07:28:00 GMT",
            "Wed Oct 21 07:28:00 2015",
        ] {
            assert_eq!(
                retry_after(value, before),
                Some(Duration::from_secs(5)),
                "{value}"
            );
        }
        // A date already past: retry now, not never.
        let after = date + Duration::from_secs(60);
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT", after),
            Some(Duration::ZERO)
        );
        for bad in ["", "-1", "soon", "1.5", "Wed, 32 Oct 2015 07:28:00 GMT"] {
            assert_eq!(retry_after(bad, before), None, "{bad:?}");
        }
    }
}
