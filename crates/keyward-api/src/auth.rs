//! SigV4 authentication: from a request to a [`Caller`], or AWS's error. This
//! is the only way to make a `Caller` in the API, so a handler cannot run on an
//! unauthenticated request.

use std::net::IpAddr;

use keyward_core::Error;
use keyward_core::authz::RequestKeys;
use keyward_core::caller::{Caller, Principal, SessionContext};
use keyward_core::crypto::Secret;
use keyward_core::ids;
use keyward_core::model::{KeyOwner, KeyStatus, Tag, User};
use keyward_core::session::SessionError;
use keyward_sigv4::{AuthError, HttpRequest, VerifyOptions};

use crate::actions::ResourceKind;
use crate::error::ApiError;
use crate::params::Params;
use crate::server::{AppState, Incoming, Mode};

/// Access key ids of session credentials (GetSessionToken).
const SESSION_KEY_PREFIX: &str = "ASIA";

/// Verifies the request's signature and names its principal.
pub(crate) async fn authenticate(
    state: &AppState,
    incoming: &Incoming<'_>,
) -> Result<Caller, ApiError> {
    let mut headers: Vec<(&str, &str)> = incoming
        .headers
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v)))
        .collect();
    // HTTP/2 carries the host as the :authority pseudo-header, not a Host header.
    if !incoming.headers.contains_key(http::header::HOST)
        && let Some(authority) = incoming.uri.authority()
    {
        headers.push(("host", authority.as_str()));
    }
    let request = HttpRequest {
        method: incoming.method.as_str(),
        raw_path: incoming.uri.path(),
        raw_query: incoming.uri.query().unwrap_or(""),
        headers: &headers,
        body: incoming.body,
    };
    let now = state.keyward.now();
    let options = VerifyOptions::default()
        .with_services(["iam", "sts"])
        .with_max_clock_skew(state.config.max_clock_skew);
    let parsed = keyward_sigv4::parse(&request, now, &options)?;
    let scope = parsed.scope();
    let key_id = parsed.access_key_id();
    let make_session_caller =
        |account_id: String, principal: Principal, session: Option<SessionContext>| Caller {
            account_id,
            principal,
            access_key_id: key_id.to_owned(),
            partition: ids::partition_for_region(scope.region()),
            region: scope.region().to_owned(),
            service: scope.service().to_owned(),
            source_ip: Some(client_ip(&state.config.trusted_proxies, incoming)),
            secure_transport: state.config.tls
                || forwarded_https(&state.config.trusted_proxies, incoming),
            session,
        };
    let make_caller =
        |account_id: String, principal: Principal| make_session_caller(account_id, principal, None);

    if key_id.starts_with(SESSION_KEY_PREFIX) {
        // Session credentials: the token must be this key's, genuine and current.
        let found = match parsed.session_token().filter(|t| !t.is_empty()) {
            Some(token) => state.keyward.session(key_id, token).await?,
            None => Err(SessionError::Invalid),
        };
        let entry = match found {
            Ok(entry) => entry,
            // Dev mode without a fixed root key: any unknown key is the
            // default account's root; a genuine session past its expiry
            // is still ExpiredToken.
            Err(SessionError::Invalid)
                if state.config.mode == Mode::Dev && state.config.dev_root_key.is_none() =>
            {
                return Ok(make_caller(
                    state.config.dev_account_id.clone(),
                    Principal::Root,
                ));
            }
            Err(SessionError::Invalid) => return Err(AuthError::invalid_session_token().into()),
            Err(SessionError::Expired) => return Err(AuthError::expired_token().into()),
        };
        let key = state
            .signing_keys
            .get_or_derive(key_id, scope, entry.secret());
        keyward_sigv4::verify(&parsed, &request, &key)?;
        return Ok(make_session_caller(
            entry.account_id.clone(),
            entry.principal.clone(),
            Some(entry.context.clone()),
        ));
    }

    let entry = state.keyward.credential(key_id).await?;
    let Some(entry) = entry else {
        return match (&state.config.mode, &state.config.dev_root_key) {
            (Mode::Dev, Some((fixed_id, fixed_secret))) if fixed_id == key_id => {
                let key = state
                    .signing_keys
                    .get_or_derive(key_id, scope, fixed_secret);
                keyward_sigv4::verify(&parsed, &request, &key)?;
                Ok(make_caller(
                    state.config.dev_account_id.clone(),
                    Principal::Root,
                ))
            }
            // Dev mode without a fixed root key: any unknown key is the default account's root.
            (Mode::Dev, None) => Ok(make_caller(
                state.config.dev_account_id.clone(),
                Principal::Root,
            )),
            _ => Err(AuthError::invalid_client_token_id().into()),
        };
    };
    if entry.status != KeyStatus::Active || parsed.session_token().is_some() {
        // Long-term keys never carry a session token; an inactive key is as good as unknown.
        return Err(AuthError::invalid_client_token_id().into());
    }
    // The secret is decrypted only when the signing key is not cached yet.
    let key = state
        .signing_keys
        .get_or_try_derive(key_id, scope, || state.keyward.open_secret(&entry))?;
    keyward_sigv4::verify(&parsed, &request, &key)?;
    state
        .keyward
        .record_key_use(&entry, scope.service(), scope.region())
        .await?;
    Ok(make_caller(
        entry.account_id.clone(),
        entry.principal.clone(),
    ))
}

/// The condition keys a request carries in its parameters: request tags,
/// `iam:PolicyARN`, and `iam:PermissionsBoundary` (the boundary being set, or
/// the target user's or role's current one).
pub(crate) fn request_keys(target: &Target, params: &Params) -> RequestKeys {
    // Only requests that carry tags pay for collecting them.
    let tags = if params.get("Tags.member.1.Key").is_some() {
        params.tags("Tags")
    } else {
        Vec::new()
    };
    let tag_keys = if params.get("TagKeys.member.1").is_some() {
        params.list("TagKeys")
    } else {
        Vec::new()
    };
    RequestKeys {
        tags,
        tag_keys,
        policy_arn: params.get("PolicyArn").map(str::to_owned),
        permissions_boundary: params
            .get("PermissionsBoundary")
            .map(str::to_owned)
            .or_else(|| target.boundary.clone()),
        resource_tags: target.tags.clone(),
    }
}

/// The ARN of the user (or root) that owns `AccessKeyId`; keys of other
/// accounts and unknown keys are named as a user in the caller's account.
async fn access_key_owner_arn(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<String, ApiError> {
    let id = params.get("AccessKeyId").unwrap_or("");
    let store = state.keyward.store();
    let key = store
        .access_key(id)
        .await?
        .filter(|k| k.account_id == caller.account_id);
    Ok(match key.map(|k| k.owner) {
        Some(KeyOwner::Root) => caller.arn_for("iam", "root"),
        Some(KeyOwner::User(user_id)) => match store.user_by_id(&user_id).await? {
            Some(u) => u.arn(caller.partition),
            None => caller.arn_for("iam", "user/"),
        },
        None => caller.arn_for("iam", "user/"),
    })
}

fn is_trusted(proxies: &[ipnet::IpNet], ip: IpAddr) -> bool {
    proxies.iter().any(|n| n.contains(&ip))
}

/// The client's address for `aws:SourceIp`: the peer, unless the peer is a
/// trusted proxy; then the right-most `X-Forwarded-For` entry that is not a
/// trusted proxy itself (entries left of it could be forged by the client).
fn client_ip(proxies: &[ipnet::IpNet], incoming: &Incoming<'_>) -> IpAddr {
    let peer = incoming.peer.ip();
    if !is_trusted(proxies, peer) {
        return peer;
    }
    let forwarded = incoming
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(proxies, *ip))
        .unwrap_or(peer)
}

/// `aws:SecureTransport` when keyward serves plain HTTP: only a trusted
/// TLS-terminating proxy can vouch for HTTPS.
fn forwarded_https(proxies: &[ipnet::IpNet], incoming: &Incoming<'_>) -> bool {
    is_trusted(proxies, incoming.peer.ip())
        && incoming
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The resource an action acts on, as AWS names it for authorization.
pub(crate) async fn resource_arn(
    state: &AppState,
    caller: &Caller,
    kind: ResourceKind,
    params: &Params,
) -> Result<Target, ApiError> {
    let user_arn = |path: &str, name: &str| caller.arn_for("iam", &format!("user{path}{name}"));
    let mut boundary = None;
    let mut tags = Vec::new();
    let mut user = None;
    let arn = match kind {
        ResourceKind::Any => "*".to_owned(),
        ResourceKind::NewUser => user_arn(
            params.get("Path").unwrap_or("/"),
            params.get("UserName").unwrap_or(""),
        ),
        ResourceKind::Users => user_arn(params.get("PathPrefix").unwrap_or("/"), ""),
        ResourceKind::Caller => caller.arn(),
        ResourceKind::AccessKeyOwner => access_key_owner_arn(state, caller, params).await?,
        ResourceKind::User | ResourceKind::UserOrSelf => match params.get("UserName") {
            Some(name) => match state.keyward.find_user(&caller.account_id, name).await? {
                Some(u) => {
                    boundary.clone_from(&u.permissions_boundary);
                    tags.clone_from(&u.tags);
                    let arn = u.arn(caller.partition);
                    user = Some(u);
                    arn
                }
                None => user_arn("/", name),
            },
            None if kind == ResourceKind::UserOrSelf => caller.arn(),
            None => user_arn("/", ""),
        },
        ResourceKind::Policy => params.get("PolicyArn").unwrap_or("*").to_owned(),
        ResourceKind::NewPolicy => caller.arn_for(
            "iam",
            &format!(
                "policy{}{}",
                params.get("Path").unwrap_or("/"),
                params.get("PolicyName").unwrap_or("")
            ),
        ),
        ResourceKind::Policies => caller.arn_for(
            "iam",
            &format!("policy{}", params.get("PathPrefix").unwrap_or("/")),
        ),
        ResourceKind::PolicySource => params.get("PolicySourceArn").unwrap_or("*").to_owned(),
        ResourceKind::NewMfaDevice => caller.arn_for(
            "iam",
            &format!(
                "mfa{}{}",
                params.get("Path").unwrap_or("/"),
                params.get("VirtualMFADeviceName").unwrap_or("")
            ),
        ),
        ResourceKind::MfaDevice => params.get("SerialNumber").unwrap_or("*").to_owned(),
        _ => group_role_arn(state, caller, kind, params, &mut boundary, &mut tags).await?,
    };
    Ok(Target {
        arn,
        boundary,
        tags,
        user,
    })
}

/// An action's resource, and the permissions boundary of that resource when
/// it is an existing user or role (for `iam:PermissionsBoundary`), and its
/// tags (for `aws:ResourceTag/*` and `iam:ResourceTag/*`).
#[derive(Debug, Default)]
pub(crate) struct Target {
    pub arn: String,
    pub boundary: Option<String>,
    pub tags: Vec<Tag>,
    /// The user `UserName` names, when it exists: the handler serves it
    /// rather than reading it again.
    pub user: Option<User>,
}

/// The resource ARNs of groups, roles and instance profiles. An existing
/// entity is named with its stored path; an unknown one with `/`.
async fn group_role_arn(
    state: &AppState,
    caller: &Caller,
    kind: ResourceKind,
    params: &Params,
    boundary: &mut Option<String>,
    tags: &mut Vec<Tag>,
) -> Result<String, ApiError> {
    let arn =
        |kind: &str, path: &str, name: &str| caller.arn_for("iam", &format!("{kind}{path}{name}"));
    let new = |kind: &str, name_param: &str| {
        arn(
            kind,
            params.get("Path").unwrap_or("/"),
            params.get(name_param).unwrap_or(""),
        )
    };
    let all = |kind: &str| arn(kind, params.get("PathPrefix").unwrap_or("/"), "");
    let store = state.keyward.store();
    let acct = &caller.account_id;
    Ok(match kind {
        ResourceKind::NewGroup => new("group", "GroupName"),
        ResourceKind::Groups => all("group"),
        ResourceKind::Group => {
            let name = params.get("GroupName").unwrap_or("");
            match store.group(acct, name).await? {
                Some(g) => g.arn(caller.partition),
                None => arn("group", "/", name),
            }
        }
        ResourceKind::NewRole => new("role", "RoleName"),
        ResourceKind::Roles => all("role"),
        ResourceKind::Role => {
            let name = params.get("RoleName").unwrap_or("");
            match store.role(acct, name).await? {
                Some(r) => {
                    boundary.clone_from(&r.permissions_boundary);
                    tags.clone_from(&r.tags);
                    r.arn(caller.partition)
                }
                None => arn("role", "/", name),
            }
        }
        ResourceKind::NewInstanceProfile => new("instance-profile", "InstanceProfileName"),
        ResourceKind::InstanceProfiles => all("instance-profile"),
        ResourceKind::InstanceProfile => {
            let name = params.get("InstanceProfileName").unwrap_or("");
            match store.instance_profile(acct, name).await? {
                Some(p) => p.arn(caller.partition),
                None => arn("instance-profile", "/", name),
            }
        }
        ResourceKind::Any
        | ResourceKind::Policy
        | ResourceKind::NewPolicy
        | ResourceKind::Policies
        | ResourceKind::NewUser
        | ResourceKind::User
        | ResourceKind::UserOrSelf
        | ResourceKind::Caller
        | ResourceKind::AccessKeyOwner
        | ResourceKind::Users
        | ResourceKind::PolicySource
        | ResourceKind::NewMfaDevice
        | ResourceKind::MfaDevice => "*".to_owned(),
    })
}

/// Creates dev mode's default account when it does not exist yet.
pub(crate) async fn ensure_dev_account(state: &AppState) -> Result<(), Error> {
    if state.config.mode != Mode::Dev {
        return Ok(());
    }
    let id = &state.config.dev_account_id;
    if state.keyward.store().account(id).await?.is_some() {
        return Ok(());
    }
    // Nobody knows this password: the dev account's root signs in with keys only.
    let mut raw = [0u8; 24];
    state.keyward.rng().fill(&mut raw);
    let password = Secret::new(format!(
        "Dev-{}-1a",
        raw.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ));
    state
        .keyward
        .create_account(
            &format!("root@{id}.dev.keyward.invalid"),
            &password,
            None,
            Some(id),
        )
        .await
        .map(|_| ())
}
