//! The scheduled jobs: work no Telegram update asks for, run by an EventBridge schedule. Like
//! [`crate::routes::ROUTES`] for updates, [`JOBS`] is the single source of truth: each job is one
//! function (its name is the binary's and the crate's), and `template.yaml` gives it exactly one
//! `Schedule` event with the table's expression (a test checks it).

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
}

/// Every scheduled job the bot has.
pub const JOBS: &[Job] = &[Job {
    name: "sweeper",
    schedule: "rate(1 minute)",
    about: "deletes the guard's warnings whose auto-delete time has passed",
}];

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::ROUTES;

    #[test]
    fn job_names_are_unique_and_never_a_route_or_the_webhook() {
        for (i, job) in JOBS.iter().enumerate() {
            assert!(
                !JOBS[..i].iter().any(|j| j.name == job.name),
                "{}",
                job.name
            );
            assert!(
                job.name != "webhook" && !ROUTES.iter().any(|r| r.name == job.name),
                "{}",
                job.name
            );
            assert!(
                job.schedule.starts_with("rate(") || job.schedule.starts_with("cron("),
                "{}: {}",
                job.name,
                job.schedule
            );
        }
    }
}
