//! Closing and reopening an account against a real store, on a manual clock:
//! AWS's 90-day post-closure period bounds the reopening.

use std::sync::Arc;

use keyward_core::Error;
use keyward_core::clock::ManualClock;
use keyward_core::crypto::Kek;
use keyward_core::random::OsRandom;
use keyward_core::service::Keyward;
use time::{Duration, OffsetDateTime};

use crate::test_support::fresh_sqlite_store;

async fn keyward_on_a_fresh_store(clock: Arc<ManualClock>) -> Keyward {
    let (store, _) = fresh_sqlite_store("accounts").await;
    Keyward::new(
        Arc::new(store),
        clock,
        Arc::new(OsRandom),
        Kek::from_bytes([7; 32]),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_account_reopens_within_ninety_days_only() {
    let start = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
    let clock = Arc::new(ManualClock::new(start));
    let kw = keyward_on_a_fresh_store(clock.clone()).await;
    let acct = crate::test_support::new_account(&kw, "root@example.com").await;
    let root = kw.root_caller(&acct);

    let open = kw.reopen_account(&acct).await.expect_err("an open account");
    assert!(
        matches!(open, Error::Rejected(ref m) if m.contains("is not closed")),
        "{open:?}"
    );

    kw.close_account(&root).await.expect("close");
    clock.advance(Duration::days(89));
    kw.reopen_account(&acct).await.expect("reopen on day 89");
    assert!(kw.account(&acct).await.expect("account").closed.is_none());

    kw.close_account(&root).await.expect("close again");
    clock.advance(Duration::days(91));
    let late = kw.reopen_account(&acct).await.expect_err("day 91");
    assert!(
        matches!(late, Error::Rejected(ref m) if m.contains("closed for good")),
        "{late:?}"
    );
    assert!(kw.account(&acct).await.expect("account").closed.is_some());

    let unknown = kw
        .reopen_account("999999999999")
        .await
        .expect_err("unknown");
    assert!(matches!(unknown, Error::NoSuchEntity(_)), "{unknown:?}");
}
