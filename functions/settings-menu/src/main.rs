//! Channel guard settings menu buttons - validates the presser, saves the change, redraws the menu.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "settings-menu",
        &[
            &lambdagram::denylist::DENY_LISTED,
            &lambdagram::allowlist::ALLOW_LISTED,
        ],
        settings_menu::SettingsMenu,
    )
    .await
}
