//! The DynamoDB fault proxy itself, against DynamoDB Local through the AWS SDK the functions
//! use: each fault does what it says, to the requests it names, as many times as scripted.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use lambdagram_e2e::dynamo_proxy::{DynamoFault, DynamoFaultKind, DynamoProxy, SDK_ATTEMPTS};

/// A table on DynamoDB Local, the proxy in front of it, and an SDK client (default retry
/// configuration, as the functions have) that goes through the proxy.
async fn through_proxy() -> (DynamoProxy, Client, String) {
    let direct = lambdagram_e2e::dynamodb::client().await;
    let table = lambdagram_e2e::dynamodb::fresh_table(&direct).await;
    let proxy = DynamoProxy::start(lambdagram_e2e::dynamodb::endpoint().await)
        .await
        .expect("start the proxy");
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(lambdagram::aws::sdk_http_client().expect("the SDK's HTTP client"))
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "e2e"))
        .endpoint_url(&proxy.endpoint)
        .build();
    (proxy, Client::from_conf(config), table)
}

async fn put(client: &Client, table: &str, pk: &str) -> Result<(), String> {
    client
        .put_item()
        .table_name(table)
        .item("pk", AttributeValue::S(pk.into()))
        .item("sk", AttributeValue::S("X".into()))
        .send()
        .await
        .map(drop)
        .map_err(|e| e.code().unwrap_or("no code").to_owned())
}

async fn exists(client: &Client, table: &str, pk: &str) -> bool {
    client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S("X".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("read")
        .item
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_of_every_attempt_reaches_the_caller_and_then_requests_pass() {
    let (proxy, client, table) = through_proxy().await;
    proxy.faults.inject(DynamoFault::fail("PutItem").calls(1));

    assert_eq!(
        put(&client, &table, "A").await,
        Err("InternalServerError".into())
    );
    assert!(
        !exists(&client, &table, "A").await,
        "a failure applies nothing"
    );
    assert_eq!(proxy.faults.injected().len(), SDK_ATTEMPTS as usize);
    assert_eq!(proxy.faults.pending(), 0);

    assert_eq!(put(&client, &table, "A").await, Ok(()));
    assert!(exists(&client, &table, "A").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fewer_faults_than_attempts_are_absorbed_by_the_sdks_retries() {
    let (proxy, client, table) = through_proxy().await;
    proxy
        .faults
        .inject(DynamoFault::throttle("PutItem").times(SDK_ATTEMPTS - 1));

    assert_eq!(put(&client, &table, "A").await, Ok(()));
    assert!(exists(&client, &table, "A").await);
    assert_eq!(
        proxy.faults.take_ops(),
        ["PutItem", "PutItem", "PutItem", "GetItem"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttles_answer_as_dynamodb_does() {
    let (proxy, client, table) = through_proxy().await;
    proxy
        .faults
        .inject(DynamoFault::throttle("PutItem").calls(1));
    proxy
        .faults
        .inject(DynamoFault::throughput_exceeded("PutItem").calls(1));

    assert_eq!(
        put(&client, &table, "A").await,
        Err("ThrottlingException".into())
    );
    assert_eq!(
        put(&client, &table, "A").await,
        Err("ProvisionedThroughputExceededException".into())
    );
    assert!(!exists(&client, &table, "A").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_or_a_dropped_connection_comes_after_the_write_applied() {
    let (proxy, client, table) = through_proxy().await;
    proxy
        .faults
        .inject(DynamoFault::answer_lost("PutItem").calls(1));
    proxy
        .faults
        .inject(DynamoFault::connection_dropped("PutItem").calls(1));

    assert_eq!(
        put(&client, &table, "A").await,
        Err("InternalServerError".into())
    );
    assert!(exists(&client, &table, "A").await, "applied all the same");
    let dropped = put(&client, &table, "B").await;
    assert!(dropped.is_err(), "{dropped:?}");
    assert!(exists(&client, &table, "B").await, "applied all the same");
    let kinds: Vec<DynamoFaultKind> = proxy.faults.injected().iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            [DynamoFaultKind::AppliedAnswerLost; SDK_ATTEMPTS as usize],
            [DynamoFaultKind::AppliedConnectionDropped; SDK_ATTEMPTS as usize]
        ]
        .concat()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_strikes_only_the_requests_it_names() {
    let (proxy, client, table) = through_proxy().await;
    proxy.faults.inject(
        DynamoFault::fail("PutItem")
            .when_body_contains("MUTE#")
            .unless_body_contains("pending")
            .calls(1),
    );

    assert_eq!(put(&client, &table, "WARN#1").await, Ok(()));
    assert_eq!(put(&client, &table, "MUTE#1 pending").await, Ok(()));
    assert!(
        exists(&client, &table, "MUTE#1 pending").await,
        "a read passes"
    );
    assert_eq!(
        put(&client, &table, "MUTE#1").await,
        Err("InternalServerError".into())
    );
    assert_eq!(put(&client, &table, "MUTE#1").await, Ok(()));
}
