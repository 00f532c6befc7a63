//! Encoded authorization messages and STS DecodeAuthorizationMessage.
//!
//! Some AWS services answer a denial with "Encoded authorization failure
//! message: …", an opaque blob that only principals of the same account with
//! `sts:DecodeAuthorizationMessage` can turn into the decision's details.
//! keyward encodes one on request (the serve option
//! `--encode-authorization-messages`): the decision, the statements that
//! matched and the request context, as AWS's `DecodedMessage` JSON, sealed
//! with AES-256-GCM under a KEK-derived key and bound to the account, so
//! another account (or another keyward) cannot read it.

use keyward_policy::{EvalDecision, Explanation, PolicyInput, RequestContext};

use super::Keyward;
use crate::authz::{AppliedPolicy, RequestKeys};
use crate::caller::Caller;
use crate::validate::Violations;
use crate::{Error, Result};

/// Label of the KEK-derived key that seals authorization messages.
const MESSAGE_KEY_LABEL: &str = "keyward/authorization-message/v1";

/// DecodeAuthorizationMessage's refusal of anything it did not encode for
/// this account.
const INVALID_MESSAGE: &str =
    "The message is not a valid encoded authorization message for this account.";

fn aad(account_id: &str) -> String {
    format!("authorization-message:{account_id}")
}

fn items(values: impl IntoIterator<Item = serde_json::Value>) -> serde_json::Value {
    serde_json::json!({ "items": values.into_iter().collect::<Vec<_>>() })
}

/// AWS's `DecodedMessage` document for a decision.
fn decoded_message(
    caller: &Caller,
    ctx: &RequestContext,
    explanation: &Explanation,
    policies: &[AppliedPolicy],
) -> serde_json::Value {
    let matched = explanation.matched_statements.iter().map(|m| {
        serde_json::json!({
            "statementId": m.sid.clone().unwrap_or_default(),
            "effect": m.effect.as_str().to_ascii_uppercase(),
            "sourcePolicyId": policies.get(m.policy_index).map_or(m.source_policy_id.as_str(), |p| p.id.as_str()),
            "sourcePolicyType": m.source_policy_type.name(),
        })
    });
    let conditions = ctx.entries().map(|(key, values)| {
        serde_json::json!({
            "key": key,
            "values": items(values.iter().map(|v| serde_json::json!({ "value": v.as_text() }))),
        })
    });
    let name = match &caller.principal {
        crate::caller::Principal::Root => caller.account_id.clone(),
        crate::caller::Principal::User { name, .. } => name.clone(),
        crate::caller::Principal::AssumedRole { session_name, .. } => session_name.clone(),
    };
    serde_json::json!({
        "allowed": explanation.decision.is_allowed(),
        "explicitDeny": explanation.decision.decision == EvalDecision::ExplicitDeny,
        "matchedStatements": items(matched),
        "failures": items([]),
        "context": {
            "principal": { "id": caller.user_id(), "name": name, "arn": caller.arn() },
            "action": ctx.action(),
            "resource": ctx.resource(),
            "conditions": items(conditions),
        },
    })
}

impl Keyward {
    /// The encoded authorization message for a request the caller's policies
    /// deny; `None` when they allow it (and for root, whom policies do not
    /// judge).
    pub async fn encode_denial(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
        request: &RequestKeys,
    ) -> Result<Option<String>> {
        let Some(user) = self.principal_authz(caller).await? else {
            return Ok(None);
        };
        let ctx = self.authz_context(caller, &user, action, resource, request);
        let inputs: Vec<PolicyInput<'_>> = user
            .policies
            .iter()
            .map(|p| PolicyInput::new(&p.id, p.policy_type, &p.compiled))
            .collect();
        let explanation = keyward_policy::explain(&ctx, &inputs);
        if explanation.decision.is_allowed() {
            return Ok(None);
        }
        let message = decoded_message(caller, &ctx, &explanation, &user.policies).to_string();
        let key = self.kek.for_sealing().derive(MESSAGE_KEY_LABEL);
        Ok(Some(key.seal(
            &message,
            &aad(&caller.account_id),
            self.rng(),
        )))
    }

    /// DecodeAuthorizationMessage: the `DecodedMessage` JSON of a message
    /// keyward encoded for the caller's account (the API has checked
    /// `sts:DecodeAuthorizationMessage`); `InvalidAuthorizationMessageException`
    /// for anything else.
    pub fn decode_authorization_message(&self, caller: &Caller, encoded: &str) -> Result<String> {
        let mut v = Violations::new();
        v.text("encodedMessage", encoded, 1, 10_240, None);
        v.finish()?;
        let encoded = encoded.trim();
        let key = self.kek.for_opening(encoded).derive(MESSAGE_KEY_LABEL);
        key.open(encoded, &aad(&caller.account_id))
            .map(|plain| plain.expose().to_owned())
            .map_err(|_| Error::InvalidAuthorizationMessage(INVALID_MESSAGE.into()))
    }
}
