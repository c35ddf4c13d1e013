//! Where an AWS service is: the endpoint override a developer set (`AWS_ENDPOINT_URL_<SERVICE>`,
//! then `AWS_ENDPOINT_URL`, as every AWS SDK reads them), else the service's regional endpoint.
//!
//! The SDK's own resolvers evaluate each service's endpoint rules against a partition table
//! (JSON and regular expressions) that every SDK crate carries and loads at its first client:
//! 0.5–1 ms of a cold start per crate, and their code in every binary. The services our
//! functions call have the plain regional form in every partition, so the rules reduce to a
//! host name.

/// A service's regional endpoint: `https://{prefix}.{region}.{suffix}`, with `-fips` after the
/// prefix when `fips`, and the partition's dual-stack suffix when `dual_stack`. Where a
/// service's regular GovCloud endpoints are its FIPS endpoints (`gov_fips_is_regular`: DynamoDB
/// and SSM, not Lambda), FIPS without dual-stack there is the regular endpoint, as the
/// services' endpoint rules say.
pub fn regional(
    prefix: &str,
    region: &str,
    fips: bool,
    dual_stack: bool,
    gov_fips_is_regular: bool,
) -> String {
    let fips = fips && !(gov_fips_is_regular && region.starts_with("us-gov-") && !dual_stack);
    let fips = if fips { "-fips" } else { "" };
    let suffix = dns_suffix(region, dual_stack);
    format!("https://{prefix}{fips}.{region}.{suffix}")
}

/// The DNS suffix of the partition `region` belongs to (AWS's partitions file: China, the
/// European Sovereign Cloud, the ISO partitions; everything else, GovCloud included, is
/// `amazonaws.com`).
fn dns_suffix(region: &str, dual_stack: bool) -> &'static str {
    const PARTITIONS: &[(&str, &str, &str)] = &[
        ("cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
        ("eusc-", "amazonaws.eu", "api.amazonwebservices.eu"),
        ("us-isob-", "sc2s.sgov.gov", "api.aws.scloud"),
        ("us-iso-", "c2s.ic.gov", "api.aws.ic.gov"),
        ("us-isof-", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
        ("eu-isoe-", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    ];
    let (single, dual) = PARTITIONS
        .iter()
        .find(|(prefix, _, _)| region.starts_with(prefix))
        .map_or(("amazonaws.com", "api.aws"), |(_, single, dual)| {
            (*single, *dual)
        });
    if dual_stack {
        dual
    } else {
        single
    }
}

/// A service as its endpoint rules see it: its SDK id (for `AWS_ENDPOINT_URL_<ID>`), its
/// endpoint prefix, and whether its regular GovCloud endpoints are FIPS already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub id: &'static str,
    pub prefix: &'static str,
    pub gov_fips_is_regular: bool,
}

/// The endpoint of `service`: an override from `var` (the environment:
/// `AWS_ENDPOINT_URL_<ID>`, then `AWS_ENDPOINT_URL`) unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true, else the regional endpoint, FIPS and
/// dual-stack as `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT` ask. No trailing
/// slash. (A Lambda function has no AWS config file: the environment is where these are set.)
pub fn resolve(service: Rules, region: &str, var: impl Fn(&str) -> Option<String>) -> String {
    match configured(service.id, &var) {
        Some(url) => url,
        None => regional(
            service.prefix,
            region,
            flag("AWS_USE_FIPS_ENDPOINT", &var),
            flag("AWS_USE_DUALSTACK_ENDPOINT", &var),
            service.gov_fips_is_regular,
        ),
    }
}

/// The endpoint a developer set for the service whose SDK id is `id` (`AWS_ENDPOINT_URL_<ID>`,
/// then `AWS_ENDPOINT_URL`), unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true; without a
/// trailing slash.
pub fn configured(id: &str, var: impl Fn(&str) -> Option<String>) -> Option<String> {
    if flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", &var) {
        return None;
    }
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    set(&format!("AWS_ENDPOINT_URL_{id}"))
        .or_else(|| set("AWS_ENDPOINT_URL"))
        .map(|url| url.trim().trim_end_matches('/').to_owned())
}

/// Whether the switch `name` is on (`true`, in any case, as the SDKs read them).
pub fn flag(name: &str, var: impl Fn(&str) -> Option<String>) -> bool {
    var(name).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// DynamoDB's endpoint resolver: the client's configured endpoint (`AWS_ENDPOINT_URL_DYNAMODB`
/// and the rest, which a function's configuration read with [`configured`], and the CLI's
/// aws-config, into the client's configuration), else the
/// regional one. Set on every DynamoDB client ([`super::dynamodb_client`]), so the SDK's
/// default resolver and its partition table are never built.
#[derive(Debug, Clone, Copy)]
pub struct DynamoEndpoint;

impl aws_sdk_dynamodb::config::endpoint::ResolveEndpoint for DynamoEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        params: &'a aws_sdk_dynamodb::config::endpoint::Params,
    ) -> aws_sdk_dynamodb::config::endpoint::EndpointFuture<'a> {
        let url = match (params.endpoint(), params.region()) {
            (Some(url), _) => Ok(url.to_owned()),
            // As DynamoDB's rules: the region "local" is DynamoDB Local's default address.
            (None, Some("local")) => Ok("http://localhost:8000".to_owned()),
            (None, Some(region)) => Ok(regional(
                "dynamodb",
                region,
                params.use_fips() == Some(true),
                params.use_dual_stack() == Some(true),
                true,
            )),
            (None, None) => Err("no AWS region is configured (AWS_REGION)".into()),
        };
        aws_sdk_dynamodb::config::endpoint::EndpointFuture::ready(url.map(|url| {
            aws_sdk_dynamodb::config::endpoint::Endpoint::builder()
                .url(url)
                .build()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    const SSM: Rules = Rules {
        id: "SSM",
        prefix: "ssm",
        gov_fips_is_regular: true,
    };
    const LAMBDA: Rules = Rules {
        id: "LAMBDA",
        prefix: "lambda",
        gov_fips_is_regular: false,
    };

    #[test]
    fn the_regional_endpoint_follows_the_partition() {
        let r = |region| resolve(SSM, region, env(&[]));
        assert_eq!(r("eu-central-1"), "https://ssm.eu-central-1.amazonaws.com");
        assert_eq!(
            r("us-gov-west-1"),
            "https://ssm.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(r("cn-north-1"), "https://ssm.cn-north-1.amazonaws.com.cn");
        assert_eq!(r("us-iso-east-1"), "https://ssm.us-iso-east-1.c2s.ic.gov");
        assert_eq!(
            r("us-isob-east-1"),
            "https://ssm.us-isob-east-1.sc2s.sgov.gov"
        );
        assert_eq!(
            r("eusc-de-east-1"),
            "https://ssm.eusc-de-east-1.amazonaws.eu"
        );
    }

    #[test]
    fn fips_and_dual_stack_are_honoured() {
        let fips = env(&[("AWS_USE_FIPS_ENDPOINT", "true")]);
        assert_eq!(
            resolve(LAMBDA, "us-east-1", &fips),
            "https://lambda-fips.us-east-1.amazonaws.com"
        );
        // GovCloud: Lambda keeps "-fips", SSM's regular endpoint is its FIPS endpoint.
        assert_eq!(
            resolve(LAMBDA, "us-gov-west-1", &fips),
            "https://lambda-fips.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            resolve(SSM, "us-gov-west-1", &fips),
            "https://ssm.us-gov-west-1.amazonaws.com"
        );
        let dual = env(&[("AWS_USE_DUALSTACK_ENDPOINT", "TRUE")]);
        assert_eq!(
            resolve(LAMBDA, "eu-west-1", &dual),
            "https://lambda.eu-west-1.api.aws"
        );
        assert_eq!(
            resolve(SSM, "us-iso-east-1", &dual),
            "https://ssm.us-iso-east-1.api.aws.ic.gov"
        );
        let both = env(&[
            ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
            ("AWS_USE_FIPS_ENDPOINT", "true"),
        ]);
        assert_eq!(
            resolve(SSM, "us-gov-east-1", both),
            "https://ssm-fips.us-gov-east-1.api.aws"
        );
        let off = env(&[("AWS_USE_FIPS_ENDPOINT", "false")]);
        assert_eq!(
            resolve(SSM, "us-east-1", off),
            "https://ssm.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn a_configured_endpoint_wins_service_first() {
        let both = env(&[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/"),
            ("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9000/"),
        ]);
        assert_eq!(resolve(SSM, "us-east-1", &both), "http://127.0.0.1:9000");
        assert_eq!(resolve(LAMBDA, "us-east-1", &both), "http://127.0.0.1:4566");
        let ignored = env(&[
            ("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9000"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        assert_eq!(
            resolve(SSM, "us-east-1", ignored),
            "https://ssm.us-east-1.amazonaws.com"
        );
        let empty = env(&[("AWS_ENDPOINT_URL_SSM", " ")]);
        assert_eq!(
            resolve(SSM, "us-east-1", empty),
            "https://ssm.us-east-1.amazonaws.com"
        );
    }

    #[tokio::test]
    async fn dynamodb_resolves_without_the_partition_table() {
        use aws_sdk_dynamodb::config::endpoint::{Params, ResolveEndpoint};
        let resolve = |params: Params| async move {
            DynamoEndpoint
                .resolve_endpoint(&params)
                .await
                .map(|e| e.url().to_owned())
        };
        let regional = Params::builder().region("eu-central-1").build().unwrap();
        assert_eq!(
            resolve(regional).await.unwrap(),
            "https://dynamodb.eu-central-1.amazonaws.com"
        );
        let local = Params::builder()
            .region("us-east-1")
            .endpoint("http://127.0.0.1:8000")
            .build()
            .unwrap();
        assert_eq!(resolve(local).await.unwrap(), "http://127.0.0.1:8000");
        let fips = |region| {
            Params::builder()
                .region(region)
                .use_fips(true)
                .build()
                .unwrap()
        };
        assert_eq!(
            resolve(fips("us-east-1")).await.unwrap(),
            "https://dynamodb-fips.us-east-1.amazonaws.com"
        );
        assert_eq!(
            resolve(fips("us-gov-west-1")).await.unwrap(),
            "https://dynamodb.us-gov-west-1.amazonaws.com"
        );
        let fips_dual = Params::builder()
            .region("us-gov-east-1")
            .use_fips(true)
            .use_dual_stack(true)
            .build()
            .unwrap();
        assert_eq!(
            resolve(fips_dual).await.unwrap(),
            "https://dynamodb-fips.us-gov-east-1.api.aws"
        );
        let local = Params::builder().region("local").build().unwrap();
        assert_eq!(resolve(local).await.unwrap(), "http://localhost:8000");
        assert!(resolve(Params::builder().build().unwrap()).await.is_err());
    }
}
