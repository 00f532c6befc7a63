//! The scenarios: what one request of each is, and the IAM user, policies and
//! role that some of them need, made and removed through the API.

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;
use keyward_sigv4::Credentials;

use crate::client::{Client, Reply, form};
use crate::error::LoadError;

const IAM_VERSION: &str = "2010-05-08";
const STS_VERSION: &str = "2011-06-15";
/// How many customer managed policies the scenario user has attached.
pub const FIXTURE_POLICIES: usize = 10;

/// One kind of request a run repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// STS GetCallerIdentity with the given credentials: authentication only.
    GetCallerIdentity,
    /// IAM ListUsers with the given credentials: authentication, authorization, a read.
    ListUsers,
    /// IAM GetUser on itself by a user with ten attached customer managed
    /// policies (three statements each), authorized by the last of them.
    AuthorizedAction,
    /// STS AssumeRole of a role that trusts the scenario user, by that user.
    AssumeRole,
}

impl Scenario {
    /// Every scenario, in the order `all` runs them.
    pub const ALL: [Self; 4] = [
        Self::GetCallerIdentity,
        Self::ListUsers,
        Self::AuthorizedAction,
        Self::AssumeRole,
    ];

    /// The scenario's name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::GetCallerIdentity => "get-caller-identity",
            Self::ListUsers => "list-users",
            Self::AuthorizedAction => "authorized-action",
            Self::AssumeRole => "assume-role",
        }
    }

    /// Whether the scenario acts as a user it creates (else as the given credentials).
    fn needs_user(self) -> bool {
        matches!(self, Self::AuthorizedAction | Self::AssumeRole)
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|sc| sc.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|s| s.name()).collect();
                format!("unknown scenario '{s}' (one of: {})", names.join(", "))
            })
    }
}

/// What the workers of a run send, and as whom.
#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub service: &'static str,
    pub body: Bytes,
    pub credentials: Credentials,
}

/// The user, policies and role a scenario made; removed after the run.
#[derive(Debug, Default)]
pub(crate) struct Fixture {
    user: Option<String>,
    policies: Vec<String>,
    attached: Vec<String>,
    key: Option<String>,
    role: Option<String>,
}

/// The workload of `scenario`, and what was made for it.
pub(crate) async fn prepare(
    client: &Client,
    admin: &Credentials,
    scenario: Scenario,
) -> Result<(Workload, Fixture), LoadError> {
    let mut fixture = Fixture::default();
    match build(client, admin, scenario, &mut fixture).await {
        Ok(workload) => Ok((workload, fixture)),
        Err(e) => {
            // Leave nothing half made behind; the set-up error is the one to report.
            let _ = fixture.remove(client, admin).await;
            Err(e)
        }
    }
}

async fn build(
    client: &Client,
    admin: &Credentials,
    scenario: Scenario,
    fixture: &mut Fixture,
) -> Result<Workload, LoadError> {
    let workload = |service, params: &[(&str, &str)], credentials: &Credentials| Workload {
        service,
        body: Bytes::from(form(params)),
        credentials: credentials.clone(),
    };
    if !scenario.needs_user() {
        return Ok(match scenario {
            Scenario::ListUsers => workload(
                "iam",
                &[("Action", "ListUsers"), ("Version", IAM_VERSION)],
                admin,
            ),
            _ => workload(
                "sts",
                &[("Action", "GetCallerIdentity"), ("Version", STS_VERSION)],
                admin,
            ),
        });
    }
    let name = unique_name();
    let (user_arn, user_creds) = make_user(client, admin, &name, fixture).await?;
    if scenario == Scenario::AuthorizedAction {
        return Ok(workload(
            "iam",
            &[
                ("Action", "GetUser"),
                ("UserName", &name),
                ("Version", IAM_VERSION),
            ],
            &user_creds,
        ));
    }
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}],
    })
    .to_string();
    let reply = iam(
        client,
        admin,
        &[
            ("Action", "CreateRole"),
            ("RoleName", &name),
            ("AssumeRolePolicyDocument", &trust),
        ],
    )
    .await?;
    fixture.role = Some(name.clone());
    let role_arn = need(&reply, "CreateRole", "Arn")?;
    Ok(workload(
        "sts",
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", &role_arn),
            ("RoleSessionName", "kwbench"),
            ("Version", STS_VERSION),
        ],
        &user_creds,
    ))
}

/// A user with [`FIXTURE_POLICIES`] attached policies and an access key.
async fn make_user(
    client: &Client,
    admin: &Credentials,
    name: &str,
    fixture: &mut Fixture,
) -> Result<(String, Credentials), LoadError> {
    let reply = iam(
        client,
        admin,
        &[("Action", "CreateUser"), ("UserName", name)],
    )
    .await?;
    fixture.user = Some(name.to_owned());
    let user_arn = need(&reply, "CreateUser", "Arn")?;
    for i in 0..FIXTURE_POLICIES {
        let document = policy_document(i, i + 1 == FIXTURE_POLICIES);
        let reply = iam(
            client,
            admin,
            &[
                ("Action", "CreatePolicy"),
                ("PolicyName", &format!("{name}-{i}")),
                ("PolicyDocument", &document),
            ],
        )
        .await?;
        let arn = need(&reply, "CreatePolicy", "Arn")?;
        fixture.policies.push(arn.clone());
        iam(
            client,
            admin,
            &[
                ("Action", "AttachUserPolicy"),
                ("UserName", name),
                ("PolicyArn", &arn),
            ],
        )
        .await?;
        fixture.attached.push(arn);
    }
    let reply = iam(
        client,
        admin,
        &[("Action", "CreateAccessKey"), ("UserName", name)],
    )
    .await?;
    let key_id = need(&reply, "CreateAccessKey", "AccessKeyId")?;
    fixture.key = Some(key_id.clone());
    let secret = need(&reply, "CreateAccessKey", "SecretAccessKey")?;
    Ok((user_arn, Credentials::new(key_id, secret)))
}

/// Policy `i` of the scenario user: wildcards, a condition and a deny that
/// the evaluation must read past; only the last one allows what the
/// scenarios do (GetUser on itself, AssumeRole of its role).
fn policy_document(i: usize, last: bool) -> String {
    let mut statements = vec![
        serde_json::json!({"Sid": format!("Read{i}"), "Effect": "Allow",
            "Action": ["iam:List*", "iam:Get*Policy*"],
            "Resource": format!("arn:aws:iam::*:policy/team-{i}/*")}),
        serde_json::json!({"Sid": format!("Tag{i}"), "Effect": "Allow",
            "Action": ["iam:TagUser", "iam:UntagUser"],
            "Resource": format!("arn:aws:iam::*:user/team-{i}/*"),
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
        serde_json::json!({"Sid": format!("Protect{i}"), "Effect": "Deny",
            "Action": "iam:Delete*",
            "Resource": format!("arn:aws:iam::*:user/protected-{i}")}),
    ];
    if last {
        statements.push(serde_json::json!({"Sid": "Self", "Effect": "Allow",
            "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/kwbench-*"}));
        statements.push(serde_json::json!({"Sid": "Assume", "Effect": "Allow",
            "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/kwbench-*"}));
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

impl Fixture {
    /// Deletes what was made, in dependency order; every step is tried and
    /// the first failure is returned.
    pub(crate) async fn remove(
        self,
        client: &Client,
        admin: &Credentials,
    ) -> Result<(), LoadError> {
        let mut first_error = None;
        let mut step = |r: Result<Reply, LoadError>| {
            if let Err(e) = r
                && first_error.is_none()
            {
                first_error = Some(e);
            }
        };
        if let Some(role) = &self.role {
            step(
                iam(
                    client,
                    admin,
                    &[("Action", "DeleteRole"), ("RoleName", role)],
                )
                .await,
            );
        }
        if let Some(user) = &self.user {
            if let Some(key) = &self.key {
                step(
                    iam(
                        client,
                        admin,
                        &[
                            ("Action", "DeleteAccessKey"),
                            ("UserName", user),
                            ("AccessKeyId", key),
                        ],
                    )
                    .await,
                );
            }
            for arn in &self.attached {
                step(
                    iam(
                        client,
                        admin,
                        &[
                            ("Action", "DetachUserPolicy"),
                            ("UserName", user),
                            ("PolicyArn", arn),
                        ],
                    )
                    .await,
                );
            }
        }
        for arn in &self.policies {
            step(
                iam(
                    client,
                    admin,
                    &[("Action", "DeletePolicy"), ("PolicyArn", arn)],
                )
                .await,
            );
        }
        if let Some(user) = &self.user {
            step(
                iam(
                    client,
                    admin,
                    &[("Action", "DeleteUser"), ("UserName", user)],
                )
                .await,
            );
        }
        first_error.map_or(Ok(()), Err)
    }
}

async fn iam(
    client: &Client,
    admin: &Credentials,
    params: &[(&str, &str)],
) -> Result<Reply, LoadError> {
    let mut all = params.to_vec();
    all.push(("Version", IAM_VERSION));
    client.call(admin, "iam", &all).await
}

fn need(reply: &Reply, action: &str, element: &'static str) -> Result<String, LoadError> {
    reply.element(element).ok_or_else(|| LoadError::Answer {
        action: action.to_owned(),
        element,
    })
}

/// A name no earlier run left behind (`kwbench-` and the time in hex).
fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("kwbench-{:x}", nanos & 0xffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_names_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(s.name().parse::<Scenario>(), Ok(s));
        }
        assert!(
            "get-user"
                .parse::<Scenario>()
                .unwrap_err()
                .contains("one of")
        );
    }

    #[test]
    fn only_the_last_policy_allows_the_scenario_actions() {
        for i in 0..FIXTURE_POLICIES {
            let last = i + 1 == FIXTURE_POLICIES;
            let doc: serde_json::Value = serde_json::from_str(&policy_document(i, last)).unwrap();
            let statements = doc["Statement"].as_array().unwrap();
            assert_eq!(statements.len(), if last { 5 } else { 3 });
            let allows_get_user = statements
                .iter()
                .any(|s| s["Action"] == "iam:GetUser" && s["Effect"] == "Allow");
            assert_eq!(allows_get_user, last);
        }
    }
}
