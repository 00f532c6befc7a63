//! The policy simulator: one of the account's users, groups or roles, some
//! actions and a resource, evaluated by the simulator
//! SimulatePrincipalPolicy runs.

use std::collections::HashMap;

use axum::Form;
use axum::http::StatusCode;
use axum::response::Response;
use keyward_core::service::Simulation;

use keyward_core::policies::EntityKind;

use crate::iam::{Listing, allowed, entity_rows};
use crate::pages::{SimRow, Simulator};
use crate::session::Identity;
use crate::web::{self, Ctx, field, render_status};

async fn simulator_page(
    ctx: &mut Ctx,
    identity: &Identity,
    form: &HashMap<String, String>,
) -> Response {
    let caller = ctx.caller(identity);
    let keyward = ctx.console.keyward.clone();
    // Each kind the identity may list (ListUsers, ListGroups, ListRoles).
    let mut listed = Vec::new();
    let mut refusal = None;
    for kind in [EntityKind::User, EntityKind::Group, EntityKind::Role] {
        match entity_rows(ctx, identity, kind).await {
            Ok(rows) => listed.push(rows.into_iter().map(|r| (r.name, r.arn)).collect()),
            Err(Listing::Denied(e)) => {
                refusal.get_or_insert(e);
                listed.push(Vec::new());
            }
            Err(e) => return e.page(ctx),
        }
    }
    // Nothing the identity may list: refused like the first list.
    if let (Some(e), true) = (refusal, listed.iter().all(Vec::is_empty)) {
        return web::denied(ctx, e);
    }
    let (roles, groups, users): (Vec<_>, Vec<_>, Vec<_>) = (
        listed.pop().unwrap_or_default(),
        listed.pop().unwrap_or_default(),
        listed.pop().unwrap_or_default(),
    );
    let chosen = field(form, "principal").to_owned();
    let actions_text = field(form, "actions").to_owned();
    let resource = field(form, "resource").trim().to_owned();
    let mut error = None;
    let mut rows = Vec::new();
    if !chosen.is_empty() {
        if let Err(e) = allowed(ctx, identity, "iam:SimulatePrincipalPolicy", &chosen, None).await {
            error = Some(e);
        } else {
            let actions: Vec<String> = actions_text
                .split([',', '\n', ' '])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect();
            let resources: Vec<String> = if resource.is_empty() {
                Vec::new()
            } else {
                vec![resource.clone()]
            };
            let input = Simulation {
                policy_source_arn: Some(&chosen),
                policy_inputs: &[],
                boundary_inputs: &[],
                action_names: &actions,
                resource_arns: &resources,
                context: &[],
                caller_arn: None,
                resource_policy: None,
                resource_owner: None,
            };
            match keyward.simulate(&caller, &input).await {
                Ok(results) => {
                    rows = results
                        .into_iter()
                        .map(|r| SimRow {
                            action: r.action,
                            resource: r.resource,
                            decision: r.decision.as_str().to_owned(),
                        })
                        .collect();
                }
                Err(e) => error = Some(web::message(&e)),
            }
        }
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut c = ctx.chrome("Policy simulator");
    c.error = error;
    render_status(
        status,
        &Simulator {
            c,
            users,
            groups,
            roles,
            chosen,
            actions: actions_text,
            resource,
            results: rows,
        },
    )
}

pub async fn page(mut ctx: Ctx) -> Response {
    let identity = match ctx.identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    simulator_page(&mut ctx, &identity, &HashMap::new()).await
}

pub async fn run(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    match ctx.identity() {
        Ok(identity) => simulator_page(&mut ctx, &identity, &form).await,
        Err(r) => r,
    }
}
