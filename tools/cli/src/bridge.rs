//! `lambdagram bridge send|tail`: the bridge's HTTP API from a script or a terminal. The key is
//! read from BRIDGE_KEY only (an option would show in `ps`) and is never printed.

use std::time::Duration;

use anyhow::Context as _;
use serde_json::{json, Value};

#[derive(clap::Args, Debug)]
pub struct Api {
    /// The bridge stack's ApiUrl output (https://…; no path).
    #[arg(long, env = "BRIDGE_API_URL")]
    api_url: String,
    /// The API key (`/bridge key new` in Telegram), from BRIDGE_KEY.
    #[arg(skip = std::env::var("BRIDGE_KEY").unwrap_or_default())]
    key: String,
    /// The chat (default: the key's only chat).
    #[arg(long, allow_hyphen_values = true)]
    chat: Option<i64>,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Send TEXT (or standard input, with `-`) to the chat as the bot; prints the message id.
    Send {
        #[command(flatten)]
        api: Api,
        /// Reply to this message of the chat.
        #[arg(long)]
        reply_to: Option<i64>,
        /// The text; `-` reads it from standard input.
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Print what allowed users write in the chat, as it arrives (`#seq name: text`, or JSON
    /// lines with --json), from after the cursor --after.
    Tail {
        #[command(flatten)]
        api: Api,
        /// Start after this cursor (0: everything still kept).
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// Read once and stop, printing the new cursor on standard error.
        #[arg(long)]
        once: bool,
        /// One JSON object per message.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(action: Action) -> anyhow::Result<()> {
    let key_set = match &action {
        Action::Send { api, .. } | Action::Tail { api, .. } => !api.key.trim().is_empty(),
    };
    if !key_set {
        anyhow::bail!("BRIDGE_KEY is not set: export the key `/bridge key new` gave you");
    }
    let http = lambdagram::telegram::http_client().context("HTTP client")?;
    match action {
        Action::Send {
            api,
            reply_to,
            text,
        } => {
            let text = if text == ["-"] {
                std::io::read_to_string(std::io::stdin()).context("read standard input")?
            } else {
                text.join(" ")
            };
            let mut body = json!({ "text": text.trim_end() });
            if let Some(chat) = api.chat {
                body["chat_id"] = chat.into();
            }
            if let Some(reply_to) = reply_to {
                body["reply_to"] = reply_to.into();
            }
            let answer = request(
                &http,
                &api,
                reqwest::Method::POST,
                "/bridge/messages",
                &[],
                Some(&body),
                Duration::from_secs(30),
            )
            .await?;
            println!(
                "sent: message {} in chat {} (cursor {})",
                answer["message_id"], answer["chat_id"], answer["seq"]
            );
            Ok(())
        }
        Action::Tail {
            api,
            mut after,
            once,
            json,
        } => loop {
            let wait = if once { "0" } else { "20" };
            let after_text = after.to_string();
            let answer = match request(
                &http,
                &api,
                reqwest::Method::GET,
                "/bridge/messages",
                &[("after", &after_text), ("wait", wait)],
                None,
                // Longer than the held read (20 s), shorter than API Gateway's 30 s.
                Duration::from_secs(29),
            )
            .await
            {
                Ok(answer) => answer,
                Err(e) if !once && e.downcast_ref::<Retry>().is_some() => {
                    let Retry(secs) = *e.downcast_ref::<Retry>().expect("checked");
                    eprintln!("bridge: {e:#}; again in {secs} s");
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            for message in answer["messages"].as_array().into_iter().flatten() {
                if json {
                    println!("{message}");
                } else {
                    println!(
                        "#{} {}: {}",
                        message["seq"],
                        message["from_name"].as_str().unwrap_or_default(),
                        message["text"].as_str().unwrap_or_default()
                    );
                }
            }
            after = answer["cursor"].as_u64().unwrap_or(after);
            if once {
                eprintln!("cursor {after}");
                return Ok(());
            }
        },
    }
}

/// A failure worth retrying after this many seconds (a limit, an outage).
#[derive(Clone, Copy, Debug)]
struct Retry(u64);

impl std::fmt::Display for Retry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "try again in {} s", self.0)
    }
}

async fn request(
    http: &reqwest::Client,
    api: &Api,
    method: reqwest::Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
    timeout: Duration,
) -> anyhow::Result<Value> {
    let base = api.api_url.trim_end_matches('/');
    let mut url: reqwest::Url = format!("{base}{path}")
        .parse()
        .context("--api-url is not a URL")?;
    {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in query {
            pairs.append_pair(k, v);
        }
        if let Some(chat) = api.chat.filter(|_| body.is_none()) {
            pairs.append_pair("chat_id", &chat.to_string());
        }
    }
    let mut request = http
        .request(method, url)
        .bearer_auth(&api.key)
        .timeout(timeout);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = match request.send().await {
        Ok(response) => response,
        // The network or the API is down for now: worth another try.
        Err(e) if e.is_timeout() || e.is_connect() => {
            return Err(anyhow::anyhow!("the bridge's API did not answer").context(Retry(2)))
        }
        Err(e) => return Err(anyhow::Error::new(e.without_url()).context("the bridge's API")),
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(answer);
    }
    let message = answer["message"].as_str().unwrap_or("no explanation");
    let error = anyhow::anyhow!(
        "{} {}: {message}",
        status.as_u16(),
        answer["error"].as_str().unwrap_or("")
    );
    if status.as_u16() == 429 || status.is_server_error() {
        return Err(error.context(Retry(retry_after.unwrap_or(2).clamp(1, 60))));
    }
    Err(error)
}
