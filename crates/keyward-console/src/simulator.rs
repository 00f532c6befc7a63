//! The policy simulator: one of the account's users, some actions and a
//! resource, evaluated by the simulator SimulatePrincipalPolicy runs.

use std::collections::HashMap;

use axum::Form;
use axum::http::StatusCode;
use axum::response::Response;
use keyward_core::service::Simulation;

use crate::iam::allowed;
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
    let users = match keyward.list_users(&caller, None, None, Some(1000)).await {
        Ok(page) => page.items,
        Err(e) => return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e)),
    };
    let user_arns: Vec<(String, String)> = users
        .into_iter()
        .map(|u| (u.name.clone(), u.arn(caller.partition)))
        .collect();
    let chosen = field(form, "user").to_owned();
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
            users: user_arns,
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
    let caller = ctx.caller(&identity);
    let all = caller.arn_for("iam", "user/");
    if let Err(e) = allowed(&ctx, &identity, "iam:ListUsers", &all, None).await {
        return web::denied(&mut ctx, e);
    }
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
