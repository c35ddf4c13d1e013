//! Injected faults: rate limits, server errors, delays and chat migrations.

use std::time::Duration;

use serde_json::json;

use crate::reply::ApiError;

/// What an injected fault does to a matching call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// HTTP 429 with `parameters.retry_after`.
    TooManyRequests { retry_after: u32 },
    /// HTTP `status` (e.g. 500 or 502) with a Telegram-shaped body.
    ServerError { status: u16 },
    /// Wait, then answer normally.
    Delay(Duration),
    /// HTTP 400 telling the group was upgraded, with `parameters.migrate_to_chat_id`.
    Migrated { to_chat_id: i64 },
    /// The call runs and its effect applies, but the answer is lost: HTTP `status` (5xx) comes
    /// back instead, as when Telegram's front end fails after its back end acted.
    AnswerLost { status: u16 },
    /// Telegram refuses the call: HTTP `status` (4xx) with `description`, nothing done.
    Refused { status: u16, description: String },
}

/// A queued fault: applies to the next `times` calls of `method` (camelCase, or `"*"` for any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub method: String,
    pub kind: FaultKind,
    pub times: u32,
    /// Matching calls answered normally before the fault strikes.
    pub skip: u32,
}

impl Fault {
    /// A fault for the next `times` calls of `method`.
    pub fn new(method: impl Into<String>, kind: FaultKind, times: u32) -> Fault {
        Fault {
            method: method.into(),
            kind,
            times,
            skip: 0,
        }
    }

    /// A fault for the next call of `method` only.
    pub fn once(method: impl Into<String>, kind: FaultKind) -> Fault {
        Fault::new(method, kind, 1)
    }

    /// A fault for the next call of any method.
    pub fn any(kind: FaultKind) -> Fault {
        Fault::once("*", kind)
    }

    /// The next call of `method` answers 429 with `retry_after` seconds.
    pub fn rate_limit(method: impl Into<String>, retry_after: u32) -> Fault {
        Fault::once(method, FaultKind::TooManyRequests { retry_after })
    }

    /// The next call of `method` answers with server error `status`.
    pub fn server_error(method: impl Into<String>, status: u16) -> Fault {
        Fault::once(method, FaultKind::ServerError { status })
    }

    /// The next call of `method` is answered normally after `delay`.
    pub fn delay(method: impl Into<String>, delay: Duration) -> Fault {
        Fault::once(method, FaultKind::Delay(delay))
    }

    /// The next call of `method` answers that the group migrated to `to_chat_id`.
    /// The next call of `method` is refused with HTTP `status` and `description`.
    pub fn refused(method: impl Into<String>, status: u16, description: &str) -> Fault {
        Fault::once(
            method,
            FaultKind::Refused {
                status,
                description: description.to_owned(),
            },
        )
    }

    /// The next call of `method` takes effect, but answers HTTP `status` (a lost answer).
    pub fn answer_lost(method: impl Into<String>, status: u16) -> Fault {
        Fault::once(method, FaultKind::AnswerLost { status })
    }

    pub fn migrated(method: impl Into<String>, to_chat_id: i64) -> Fault {
        Fault::once(method, FaultKind::Migrated { to_chat_id })
    }

    /// Lets the first `n` matching calls through: the fault strikes from the `n + 1`-th.
    pub fn after(mut self, n: u32) -> Fault {
        self.skip = n;
        self
    }

    /// Applies to `times` calls instead of one.
    pub fn times(mut self, times: u32) -> Fault {
        self.times = times;
        self
    }

    fn matches(&self, method: &str) -> bool {
        self.times > 0 && (self.method == "*" || self.method.eq_ignore_ascii_case(method))
    }
}

/// Takes one use of the first queued fault matching `method`, dropping used-up faults.
pub(crate) fn take(queue: &mut Vec<Fault>, method: &str) -> Option<FaultKind> {
    let index = queue.iter().position(|f| f.matches(method))?;
    let fault = &mut queue[index];
    if fault.skip > 0 {
        fault.skip -= 1;
        return None;
    }
    fault.times -= 1;
    let kind = fault.kind.clone();
    if fault.times == 0 {
        queue.remove(index);
    }
    Some(kind)
}

impl FaultKind {
    /// The error answer this fault produces, or `None` for a delay (answered normally).
    pub(crate) fn error(&self) -> Option<ApiError> {
        match self {
            FaultKind::TooManyRequests { retry_after } => Some(
                ApiError::new(429, format!("Too Many Requests: retry after {retry_after}"))
                    .with_parameters(json!({ "retry_after": retry_after })),
            ),
            FaultKind::ServerError { status } | FaultKind::AnswerLost { status } => {
                let description = match status {
                    502 => "Bad Gateway",
                    503 => "Service Unavailable",
                    504 => "Gateway Timeout",
                    _ => "Internal Server Error",
                };
                Some(ApiError::new(*status, description))
            }
            FaultKind::Delay(_) => None,
            FaultKind::Refused {
                status,
                description,
            } => Some(ApiError::new(*status, description.clone())),
            FaultKind::Migrated { to_chat_id } => Some(
                ApiError::bad_request("group chat was upgraded to a supergroup chat")
                    .with_parameters(json!({ "migrate_to_chat_id": to_chat_id })),
            ),
        }
    }
}
