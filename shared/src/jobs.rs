//! Scheduled jobs: work no Telegram update asks for, run by an EventBridge schedule. Beside its
//! route table, a bot declares its jobs as a `&[Job]`: each job is one function (its name is the
//! binary's and the crate's), and `template.yaml` gives it exactly one `Schedule` event with the
//! table's expression (a test checks it).

use std::future::Future;

use serde::Serialize;

use crate::route::HandlerError;
use crate::telegram::{BotApi, RetryPolicy};
use crate::time::Epoch;

/// One scheduled job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// The job's name, which is also its function's binary and crate name.
    pub name: &'static str,
    /// The EventBridge schedule expression (`rate(…)` or `cron(…)`).
    pub schedule: &'static str,
    /// What it does, for the template's description and the logs.
    pub about: &'static str,
    /// What its function may do on the state table (see [`crate::grants`]).
    pub grants: &'static [crate::grants::Grant],
}

/// What one run of a job sees.
pub struct JobContext<'a, S> {
    pub bot: &'a BotApi,
    pub store: &'a S,
    pub now: Epoch,
    /// Epoch milliseconds by which the run must have finished.
    pub deadline_ms: u64,
}

impl<S> JobContext<'_, S> {
    pub fn retry(&self) -> RetryPolicy {
        RetryPolicy::until(self.deadline_ms)
    }

    /// Milliseconds left before the deadline.
    pub fn remaining_ms(&self) -> u64 {
        self.deadline_ms.saturating_sub(crate::time::now_ms())
    }
}

/// A job's handler. Its report is the invocation's answer (and logged).
pub trait JobHandler<S>: Send + Sync {
    type Report: Serialize + Send;

    fn run<'a>(
        &'a self,
        ctx: JobContext<'a, S>,
    ) -> impl Future<Output = Result<Self::Report, HandlerError>> + Send + 'a;
}
