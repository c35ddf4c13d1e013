//! Reading `/protect`'s arguments: channels by `@username` (or a `t.me/` link) or numeric id.

use std::fmt;

/// How a user named a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelArg {
    /// Without the `@`.
    Username(String),
    /// A `-100…` id.
    Id(i64),
}

impl fmt::Display for ChannelArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelArg::Username(u) => write!(f, "@{u}"),
            ChannelArg::Id(id) => write!(f, "{id}"),
        }
    }
}

/// The most channels one group may link.
pub const MAX_CHANNELS: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgsError {
    /// No channel given.
    Empty,
    /// Not a channel username, link or id.
    Invalid(String),
    TooMany,
}

/// Parses the arguments of `/protect`, dropping repeats, keeping order.
pub fn parse(args: &str) -> Result<Vec<ChannelArg>, ArgsError> {
    let mut out: Vec<ChannelArg> = Vec::new();
    for raw in args.split([' ', ',', '\n', '\t']).filter(|s| !s.is_empty()) {
        let arg = parse_one(raw).ok_or_else(|| ArgsError::Invalid(raw.to_owned()))?;
        let duplicate = out.iter().any(|a| match (a, &arg) {
            (ChannelArg::Username(x), ChannelArg::Username(y)) => x.eq_ignore_ascii_case(y),
            (x, y) => x == y,
        });
        if !duplicate {
            out.push(arg);
        }
    }
    if out.is_empty() {
        return Err(ArgsError::Empty);
    }
    if out.len() > MAX_CHANNELS {
        return Err(ArgsError::TooMany);
    }
    Ok(out)
}

fn parse_one(raw: &str) -> Option<ChannelArg> {
    if let Ok(id) = raw.parse::<i64>() {
        // Channels and supergroups have ids of the form -100xxxxxxxxxx.
        return (id <= -1_000_000_000_000).then_some(ChannelArg::Id(id));
    }
    let name = raw
        .strip_prefix("https://t.me/")
        .or_else(|| raw.strip_prefix("http://t.me/"))
        .or_else(|| raw.strip_prefix("t.me/"))
        .or_else(|| raw.strip_prefix('@'))?;
    let name = name.trim_end_matches('/');
    let valid = (5..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.starts_with(|c: char| c.is_ascii_alphabetic());
    valid.then(|| ChannelArg::Username(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_usernames_links_and_ids() {
        assert_eq!(
            parse("@lambdagram_news, -1009876543210 t.me/other_chan @LAMBDAGRAM_NEWS"),
            Ok(vec![
                ChannelArg::Username("lambdagram_news".into()),
                ChannelArg::Id(-1009876543210),
                ChannelArg::Username("other_chan".into()),
            ])
        );
    }

    #[test]
    fn refuses_what_is_not_a_channel() {
        assert_eq!(parse(""), Err(ArgsError::Empty));
        assert_eq!(parse("news"), Err(ArgsError::Invalid("news".into())));
        assert_eq!(parse("@ab"), Err(ArgsError::Invalid("@ab".into())));
        assert_eq!(parse("12345"), Err(ArgsError::Invalid("12345".into())));
        assert_eq!(
            parse("@chan_a @chan_b @chan_c @chan_d @chan_e @chan_f"),
            Err(ArgsError::TooMany)
        );
    }
}
