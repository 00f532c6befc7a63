//! The dashboard: the account and, for root, security recommendations from
//! the live state.

use axum::http::StatusCode;
use axum::response::Response;

use crate::pages::{Dashboard, Recommendation};
use crate::web::{self, Ctx, render};

pub async fn page(mut ctx: Ctx) -> Response {
    let identity = match ctx.identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let caller = ctx.caller(&identity);
    let keyward = ctx.console.keyward.clone();
    let account = match keyward.account(&identity.account_id).await {
        Ok(a) => a,
        Err(e) => return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e)),
    };
    let (recommendations, counts) = if identity.is_root() {
        let findings = keyward.security_recommendations(&caller).await;
        let counts = keyward.account_counts(&caller).await;
        match (findings, counts) {
            (Ok(f), Ok(c)) => (
                f.into_iter()
                    .map(|f| Recommendation {
                        ok: f.ok,
                        title: f.title,
                        detail: f.detail,
                    })
                    .collect(),
                Some((c.users, c.groups, c.roles, c.policies)),
            ),
            (Err(e), _) | (_, Err(e)) => {
                return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e));
            }
        }
    } else {
        (
            vec![Recommendation {
                ok: identity.mfa_used,
                title: "Sign in with MFA".into(),
                detail: if identity.mfa_used {
                    "This sign-in used MFA.".into()
                } else {
                    "This sign-in used a password alone. Assign an MFA device on the Security credentials page.".into()
                },
            }],
            None,
        )
    };
    render(&Dashboard {
        c: ctx.chrome("Dashboard"),
        account_id: account.account_id,
        alias: account.alias,
        recommendations,
        counts,
    })
}
