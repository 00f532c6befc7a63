//! Integration tests: the real binary, driven by aws-sdk-rust, on both stores.
//! Every case runs once on SQLite and once on PostgreSQL.

#![allow(clippy::panic, clippy::unwrap_used)]

mod account_settings;
mod assume_role;
mod bench;
mod console;
mod crash;
mod groups;
mod harness;
mod iam_users;
mod keys;
mod mfa;
mod pg_restart;
mod policies;
mod replicas;
mod roles;
mod sessions;
mod simulator;
mod sts_and_auth;

/// Declares each case once per backend: `sqlite::name` and `postgres::name`.
macro_rules! on_both_backends {
    ($($case:path => $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(store) = crate::harness::fresh_store(crate::harness::Backend::Sqlite).await {
                        $case(store, crate::harness::Backend::Sqlite).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(store) = crate::harness::fresh_store(crate::harness::Backend::Postgres).await {
                        $case(store, crate::harness::Backend::Postgres).await;
                    }
                }
            )*
        }
    };
}

on_both_backends! {
    crate::account_settings::login_profiles_follow_the_password_policy => login_profiles_follow_the_password_policy,
    crate::account_settings::alias_and_summary => alias_and_summary,
    crate::iam_users::user_lifecycle => user_lifecycle,
    crate::iam_users::list_users_paginates_and_filters => list_users_paginates_and_filters,
    crate::iam_users::bad_input_changes_nothing => bad_input_changes_nothing,
    crate::iam_users::delete_conflicts_while_keys_or_policies_remain => delete_conflicts_while_keys_or_policies_remain,
    crate::keys::access_key_lifecycle => access_key_lifecycle,
    crate::keys::root_access_keys => root_access_keys,
    crate::keys::key_made_by_cli_while_serving_works_at_once => key_made_by_cli_while_serving_works_at_once,
    crate::policies::managed_policy_lifecycle => managed_policy_lifecycle,
    crate::policies::inline_policies => inline_policies,
    crate::policies::enforcement => enforcement,
    crate::sts_and_auth::caller_identity => caller_identity,
    crate::sts_and_auth::user_without_policy_is_denied => user_without_policy_is_denied,
    crate::sts_and_auth::secrets_are_not_stored_in_clear => secrets_are_not_stored_in_clear,
    crate::groups::group_lifecycle => group_lifecycle,
    crate::groups::group_quotas_and_bad_input => group_quotas_and_bad_input,
    crate::roles::role_lifecycle => role_lifecycle,
    crate::roles::role_bad_input_changes_nothing => role_bad_input_changes_nothing,
    crate::roles::instance_profile_lifecycle => instance_profile_lifecycle,
    crate::roles::user_without_policy_cannot_manage_groups_or_roles => user_without_policy_cannot_manage_groups_or_roles,
    crate::simulator::simulate_principal_policy => simulate_principal_policy,
    crate::simulator::simulate_custom_policy_and_context_keys => simulate_custom_policy_and_context_keys,
    crate::simulator::account_authorization_details => account_authorization_details,
    crate::mfa::mfa_device_lifecycle => mfa_device_lifecycle,
    crate::mfa::mfa_quota_and_throttling => mfa_quota_and_throttling,
    crate::mfa::mfa_session_unlocks_mfa_protected_calls => mfa_session_unlocks_mfa_protected_calls,
    crate::mfa::security_keys_are_mfa_devices => security_keys_are_mfa_devices,
    crate::sessions::get_session_token_and_use_it => get_session_token_and_use_it,
    crate::sessions::sessions_follow_their_user_not_their_key => sessions_follow_their_user_not_their_key,
    crate::assume_role::assume_role_and_act_as_the_role => assume_role_and_act_as_the_role,
    crate::assume_role::assume_role_with_mfa => assume_role_with_mfa,
    crate::crash::acknowledged_writes_survive_sigkill => acknowledged_writes_survive_sigkill,
    crate::crash::sts_audit_events_are_written_by_graceful_shutdown => sts_audit_events_are_written_by_graceful_shutdown,
    crate::assume_role::assume_role_with_session_attributes => assume_role_with_session_attributes,
    crate::console::console_sign_in_and_password_reset => console_sign_in_and_password_reset,
    crate::console::console_close_account => console_close_account,
    crate::console::console_create_user_in_one_transaction => console_create_user_in_one_transaction,
    crate::console::console_sign_in_sets_password_last_used => console_sign_in_sets_password_last_used,
    crate::bench::bench_runs_every_scenario_and_cleans_up => bench_runs_every_scenario_and_cleans_up,
}
