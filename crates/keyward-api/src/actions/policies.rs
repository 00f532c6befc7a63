//! Managed policies attached to users.

use std::sync::Arc;

use keyward_core::caller::Caller;

use super::Reply;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

pub async fn attach_user_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let user = p.required("UserName")?;
    let arn = p.required("PolicyArn")?;
    s.keyward.attach_user_policy(&c, user, arn).await?;
    Ok(None)
}

pub async fn detach_user_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let user = p.required("UserName")?;
    let arn = p.required("PolicyArn")?;
    s.keyward.detach_user_policy(&c, user, arn).await?;
    Ok(None)
}

pub async fn list_attached_user_policies(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let user = s
        .keyward
        .user(&c.account_id, p.required("UserName")?)
        .await?;
    let prefix = p.get("PathPrefix").unwrap_or("/");
    let attached: Vec<_> = s
        .keyward
        .attached_user_policies(&c.account_id, &user.user_id)
        .await?
        .into_iter()
        .filter(|a| policy_path(&a.policy_arn).starts_with(prefix))
        .collect();
    let (items, next) = super::paginate(&attached, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("AttachedPolicies", items, |m, a| {
        m.text("PolicyName", &a.policy_name)
            .text("PolicyArn", &a.policy_arn);
    });
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}

/// The path of a policy ARN: `arn:aws:iam::aws:policy/job-function/X` → `/job-function/`.
fn policy_path(arn: &str) -> &str {
    let Some(idx) = arn.find(":policy/") else {
        return "/";
    };
    let rest = &arn[idx + ":policy".len()..];
    rest.rfind('/').map_or("/", |end| &rest[..=end])
}

#[cfg(test)]
mod tests {
    #[test]
    fn policy_paths() {
        assert_eq!(
            super::policy_path("arn:aws:iam::aws:policy/AdministratorAccess"),
            "/"
        );
        assert_eq!(
            super::policy_path("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"),
            "/job-function/"
        );
    }
}
