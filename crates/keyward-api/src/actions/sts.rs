//! STS actions.

use std::sync::Arc;

use keyward_core::caller::Caller;

use super::Reply;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

/// Needs no permission and cannot be denied (AWS).
pub async fn get_caller_identity(_s: Arc<AppState>, c: Caller, _p: Params) -> Reply {
    let mut x = Xml::new();
    x.text("UserId", c.user_id())
        .text("Account", &c.account_id)
        .text("Arn", &c.arn());
    Ok(Some(x))
}
