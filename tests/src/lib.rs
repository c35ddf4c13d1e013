//! End-to-end test support: the compiled function binaries under a local Lambda runtime,
//! DynamoDB Local, the fake Bot API, and the sample events in `events/`.

pub mod cfn_yaml;
pub mod dynamo_proxy;
pub mod dynamodb;
pub mod emulator;
pub mod events;
pub mod paths;
pub mod sigv4_check;
pub mod stack;
