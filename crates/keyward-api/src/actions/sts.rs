//! STS actions.

use std::sync::Arc;

use keyward_core::caller::Caller;
use keyward_core::service::AssumeRoleInput;

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

/// GetSessionToken: no IAM policy is evaluated (AWS: "No permissions are
/// required for a user to get a session token"); session credentials are
/// refused before this runs (`server::authorize`).
pub async fn get_session_token(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let creds = s
        .keyward
        .get_session_token(
            &c,
            p.int("DurationSeconds")?,
            p.get("SerialNumber"),
            p.get("TokenCode"),
        )
        .await?;
    let mut x = Xml::new();
    x.node("Credentials", |x| {
        x.text("AccessKeyId", &creds.access_key_id)
            .text("SecretAccessKey", creds.secret.expose())
            .text("SessionToken", creds.token.expose())
            .text("Expiration", &crate::xml::iso8601_millis(creds.expires));
    });
    Ok(Some(x))
}

/// The account of any access key id, decoded from the id.
pub async fn get_access_key_info(s: Arc<AppState>, _c: Caller, p: Params) -> Reply {
    let account = s.keyward.access_key_account(p.required("AccessKeyId")?)?;
    let mut x = Xml::new();
    x.text("Account", &account);
    Ok(Some(x))
}

/// AssumeRole: the authorization (the caller's identity policies and the
/// role's trust policy) is decided in core, which also refuses root.
pub async fn assume_role(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    // `PolicyArns.member.N.arn` (lowercase `arn`, as the model names it).
    let policy_arns = p.structs("PolicyArns", "arn");
    let tags = p.tags("Tags");
    let transitive_tag_keys = p.list("TransitiveTagKeys");
    let assumed = s
        .keyward
        .assume_role(
            &c,
            AssumeRoleInput {
                role_arn: p.required("RoleArn")?,
                role_session_name: p.required("RoleSessionName")?,
                duration_seconds: p.int("DurationSeconds")?,
                external_id: p.get("ExternalId"),
                policy: p.get("Policy"),
                policy_arns: &policy_arns,
                tags: &tags,
                transitive_tag_keys: &transitive_tag_keys,
                source_identity: p.get("SourceIdentity"),
                serial_number: p.get("SerialNumber"),
                token_code: p.get("TokenCode"),
            },
        )
        .await?;
    let creds = &assumed.credentials;
    let mut x = Xml::new();
    x.node("Credentials", |x| {
        x.text("AccessKeyId", &creds.access_key_id)
            .text("SecretAccessKey", creds.secret.expose())
            .text("SessionToken", creds.token.expose())
            .text("Expiration", &crate::xml::iso8601_millis(creds.expires));
    });
    x.node("AssumedRoleUser", |x| {
        x.text("AssumedRoleId", &assumed.assumed_role_id)
            .text("Arn", &assumed.arn);
    });
    if let Some(size) = assumed.packed_policy_size {
        x.text("PackedPolicySize", &size.to_string());
    }
    if let Some(source) = &assumed.source_identity {
        x.text("SourceIdentity", source);
    }
    Ok(Some(x))
}

/// DecodeAuthorizationMessage: the details of a denial keyward encoded for
/// this account (see `--encode-authorization-messages`).
pub async fn decode_authorization_message(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let decoded = s
        .keyward
        .decode_authorization_message(&c, p.required("EncodedMessage")?)?;
    let mut x = Xml::new();
    x.text("DecodedMessage", &decoded);
    Ok(Some(x))
}
