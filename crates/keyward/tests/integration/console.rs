//! The web console over plain HTTP on both stores: root and IAM-user sign-in
//! (by account alias), the root password reset through the outbox, the
//! sign-in audit trail seen by the next sign-in's dashboard. The browser
//! flows are in tests/e2e/test_console.py; this checks the store's side on
//! PostgreSQL too. Closing the account refuses its keys and sessions, on
//! another replica too.

use crate::harness::{
    Backend, ROOT_EMAIL, ROOT_PASSWORD, Server, StoreLocation, create_account,
    create_account_with_email, create_root_key, error_of, run_cli,
};

/// A cookie-keeping client of the console's forms.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Browser {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_owned(),
            cookie: String::new(),
        }
    }

    fn keep_cookie(&mut self, resp: &reqwest::Response) {
        if let Some(c) = resp.headers().get("set-cookie") {
            let c = c.to_str().expect("cookie text");
            self.cookie = c.split(';').next().expect("cookie pair").to_owned();
        }
    }

    /// GET: (status, location, body).
    async fn get(&mut self, path: &str) -> (u16, String, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("GET");
        self.answer(resp).await
    }

    async fn answer(&mut self, resp: reqwest::Response) -> (u16, String, String) {
        self.keep_cookie(&resp);
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().expect("location").to_owned())
            .unwrap_or_default();
        (status, location, resp.text().await.expect("body"))
    }

    /// Fetches the form page for its CSRF token, then posts `fields` to `path`.
    async fn submit(
        &mut self,
        page: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String, String) {
        let (_, _, html) = self.get(page).await;
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no CSRF field on {page}: {html}"))
            .to_owned();
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &csrf));
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(&form)
            .send()
            .await
            .expect("POST");
        self.answer(resp).await
    }

    /// Root's sign-in form: (status, location, body).
    async fn sign_in_root(&mut self, email: &str, password: &str) -> (u16, String, String) {
        self.submit(
            "/signin",
            "/signin",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// An IAM user's sign-in form (account id or alias): (status, location, body).
    async fn sign_in_user(
        &mut self,
        account: &str,
        user_name: &str,
        password: &str,
    ) -> (u16, String, String) {
        let fields = [
            ("account", account),
            ("username", user_name),
            ("password", password),
        ];
        self.submit("/signin/iam", "/signin/iam", &fields).await
    }
}

const FAILED: &str = "Your authentication information is incorrect. Please try again.";

pub async fn console_sign_in_and_password_reset(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let outbox = store.dir.path().join("mail");
    let outbox_arg = outbox.display().to_string();
    let server = Server::start(&store, &["--mail-outbox", &outbox_arg]).await;
    let iam = server.iam(&account.admin_key);

    // Root: a wrong password fails with AWS's words; the right one signs in.
    let mut b = Browser::new(&server.url);
    let (status, _, body) = b.sign_in_root(ROOT_EMAIL, "Wrong-Pass1!").await;
    assert_eq!(status, 401);
    assert!(body.contains(FAILED), "{body}");
    let (status, location, _) = b.sign_in_root(ROOT_EMAIL, ROOT_PASSWORD).await;
    assert_eq!((status, location.as_str()), (303, "/console"));
    let (status, _, body) = b.get("/console").await;
    assert_eq!(status, 200);
    assert!(body.contains(&account.account_id));
    // Only successful sign-ins count as root use.
    assert!(
        body.contains("1 root console sign-in(s)"),
        "the dashboard counts the successful sign-in from the audit log: {body}"
    );

    // Root sets the account name and contact email.
    let (status, location, _) = b
        .submit(
            "/console/account",
            "/console/account/contact",
            &[
                ("name", "Acme payments"),
                ("contact_email", "ops@example.com"),
            ],
        )
        .await;
    assert_eq!((status, location.as_str()), (303, "/console/account"));
    let (_, _, body) = b.get("/console/account").await;
    assert!(body.contains("value=\"Acme payments\""), "{body}");
    assert!(body.contains("value=\"ops@example.com\""), "{body}");

    // An IAM user signs in with the account alias.
    iam.create_account_alias()
        .account_alias("console-it")
        .send()
        .await
        .expect("alias");
    iam.create_user()
        .user_name("dana")
        .send()
        .await
        .expect("user");
    iam.create_login_profile()
        .user_name("dana")
        .password("Dana-Pass-123!")
        .send()
        .await
        .expect("profile");
    let mut u = Browser::new(&server.url);
    let (status, location, _) = u.sign_in_user("console-it", "dana", "Dana-Pass-123!").await;
    assert_eq!((status, location.as_str()), (303, "/console"));
    let (status, _, body) = u.get("/console/account").await;
    assert_eq!(status, 403);
    let (status, _, _) = u
        .submit(
            "/console",
            "/console/account/contact",
            &[("name", "Hijacked"), ("contact_email", "evil@example.com")],
        )
        .await;
    assert_eq!(status, 403, "root-only, whatever the user's policies");
    assert!(
        body.contains("requires the root user&#39;s credentials")
            || body.contains("requires the root user's credentials"),
        "{body}"
    );

    // Password reset: the link from the outbox works once.
    let mut r = Browser::new(&server.url);
    let (status, _, body) = r
        .submit("/signin/reset", "/signin/reset", &[("email", ROOT_EMAIL)])
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("we sent it a link"));
    let mail = std::fs::read_dir(&outbox)
        .expect("outbox")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("mail"))
        .next()
        .expect("one message");
    // Quoted-printable may fold long lines with a soft break ("=\r\n").
    let unfolded = mail.replace("=\r\n", "").replace("=3D", "=");
    let link = unfolded
        .split_whitespace()
        .find(|w| w.contains("/signin/reset/confirm?token="))
        .expect("reset link")
        .to_owned();
    let path = link.trim_start_matches(&server.url).to_owned();
    let token = path.split("token=").nth(1).expect("token").to_owned();
    let new_password = "Reset-Root-Pass9!";
    let (status, location, _) = r
        .submit(
            &path,
            "/signin/reset/confirm",
            &[
                ("token", &token),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!((status, location.as_str()), (303, "/signin"));
    let (_, _, body) = r.get(&path).await;
    assert!(body.contains("invalid or has expired"), "{body}");
    assert!(!body.contains("new_password"), "no form for a used link");
    // Posting it anyway (with this session's CSRF token) changes nothing.
    let (status, _, body) = r
        .submit(
            "/signin",
            "/signin/reset/confirm",
            &[
                ("token", &token),
                ("new_password", "Another-Pass9!"),
                ("confirm_password", "Another-Pass9!"),
            ],
        )
        .await;
    assert_eq!(status, 400, "a used link is refused");
    assert!(body.contains("invalid or has expired"), "{body}");

    let mut again = Browser::new(&server.url);
    let (status, _, _) = again.sign_in_root(ROOT_EMAIL, ROOT_PASSWORD).await;
    assert_eq!(status, 401, "the old password no longer works");
    let (status, location, _) = again.sign_in_root(ROOT_EMAIL, new_password).await;
    assert_eq!((status, location.as_str()), (303, "/console"));
}

const CLOSED: (&str, &str) = (
    "OptInRequired",
    "The AWS Access Key Id needs a subscription for the service",
);

/// Closing the account through the console: its keys (also cached by a
/// second replica on PostgreSQL) and its sessions are refused from then on,
/// its root user cannot sign in, and other accounts go on.
pub async fn console_close_account(store: StoreLocation, backend: Backend) {
    let other = create_account(&store, "other");
    let account = create_account_with_email(&store, "closing@example.com", "admin");
    let a = Server::start(&store, &[]).await;
    let b = match backend {
        Backend::Postgres => Some(Server::start(&store, &[]).await),
        Backend::Sqlite => None,
    };
    let session = a
        .sts(&account.admin_key)
        .get_session_token()
        .send()
        .await
        .expect("session");
    let c = session.credentials().expect("credentials");
    let session_sts = crate::replicas::sts_session(&a, c);
    session_sts
        .get_caller_identity()
        .send()
        .await
        .expect("works before");
    if let Some(b) = &b {
        b.iam(&account.admin_key)
            .list_users()
            .send()
            .await
            .expect("replica B caches the key");
    }

    let mut root = Browser::new(&a.url);
    let (status, location, _) = root
        .sign_in_root("closing@example.com", ROOT_PASSWORD)
        .await;
    assert_eq!((status, location.as_str()), (303, "/console"));
    let (status, _, body) = root
        .submit(
            "/console/account/close",
            "/console/account/close",
            &[("confirm", "wrong"), ("password", ROOT_PASSWORD)],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    a.iam(&account.admin_key)
        .list_users()
        .send()
        .await
        .expect("a refused confirmation closes nothing");
    let (status, _, body) = root
        .submit(
            "/console/account/close",
            "/console/account/close",
            &[
                ("confirm", &account.account_id),
                ("password", ROOT_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("is closed"), "{body}");

    let e = a
        .iam(&account.admin_key)
        .list_users()
        .send()
        .await
        .expect_err("a closed account's key");
    let (code, message) = error_of(&e);
    assert_eq!((code.as_str(), message.as_str()), CLOSED);
    let e = session_sts
        .get_caller_identity()
        .send()
        .await
        .expect_err("a closed account's session");
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(403));
    if let Some(b) = &b {
        // Replica B learns of the closing through the change feed.
        let iam_b = b.iam(&account.admin_key);
        let start = std::time::Instant::now();
        let e = loop {
            match iam_b.list_users().send().await {
                Err(e) => break e,
                Ok(_) => assert!(
                    start.elapsed() < std::time::Duration::from_secs(5),
                    "replica B still takes the closed account's key"
                ),
            }
        };
        let (code, message) = error_of(&e);
        assert_eq!((code.as_str(), message.as_str()), CLOSED);
    }
    let mut again = Browser::new(&a.url);
    let (status, _, body) = again
        .sign_in_root("closing@example.com", ROOT_PASSWORD)
        .await;
    assert_eq!(status, 401);
    assert!(body.contains(FAILED), "{body}");
    a.iam(&other.admin_key)
        .list_users()
        .send()
        .await
        .expect("other accounts go on");

    // The operator reopens it: keys work again on both replicas and root signs in.
    let mut args = vec!["account", "reopen", "--account-id", &account.account_id];
    let store_args = store.args();
    args.extend(store_args.iter().map(String::as_str));
    let (ok, _, stderr) = run_cli(&args, "");
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = run_cli(&args, "");
    assert!(!ok && stderr.contains("is not closed"), "{stderr}");
    a.iam(&account.admin_key)
        .list_users()
        .send()
        .await
        .expect("a reopened account's key");
    if let Some(b) = &b {
        let iam_b = b.iam(&account.admin_key);
        let start = std::time::Instant::now();
        while let Err(e) = iam_b.list_users().send().await {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(5),
                "replica B still refuses the reopened account's key: {e:?}"
            );
        }
    }
    let (status, location, _) = again
        .sign_in_root("closing@example.com", ROOT_PASSWORD)
        .await;
    assert_eq!((status, location.as_str()), (303, "/console"));
}

/// The console's Create user on both stores: the user, its console password
/// (reset required, so IAMUserChangePassword comes too), a group, a policy
/// and an access key in one write; a part refused inside that write (a
/// customer policy that does not exist) leaves nothing behind.
pub async fn console_create_user_in_one_transaction(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    iam.create_group()
        .group_name("devs")
        .send()
        .await
        .expect("group");
    let mut b = Browser::new(&server.url);
    let (status, _, _) = b.sign_in_root(ROOT_EMAIL, ROOT_PASSWORD).await;
    assert_eq!(status, 303);
    let read_only = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let (status, location, _) = b
        .submit(
            "/console/iam/users",
            "/console/iam/users",
            &[
                ("user_name", "erin"),
                ("password", "Erin-Console-Pass1!"),
                ("reset_required", "yes"),
                ("access_key", "yes"),
                ("groups", "devs"),
                ("policies", read_only),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/iam/users/erin/new-key")
    );
    let (_, _, page) = b.get(&location).await;
    let key_id = page
        .split("id=\"access-key-id\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("key id on the page")
        .to_owned();
    let keys = iam
        .list_access_keys()
        .user_name("erin")
        .send()
        .await
        .expect("keys");
    assert_eq!(
        keys.access_key_metadata()[0].access_key_id(),
        Some(key_id.as_str())
    );
    let profile = iam
        .get_login_profile()
        .user_name("erin")
        .send()
        .await
        .expect("profile");
    assert_eq!(
        profile.login_profile().map(|p| p.password_reset_required()),
        Some(true)
    );
    let groups = iam
        .list_groups_for_user()
        .user_name("erin")
        .send()
        .await
        .expect("groups");
    assert_eq!(groups.groups().len(), 1);
    let attached = iam
        .list_attached_user_policies()
        .user_name("erin")
        .send()
        .await
        .expect("attached");
    let mut arns: Vec<&str> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    arns.sort_unstable();
    assert_eq!(
        arns,
        ["arn:aws:iam::aws:policy/IAMUserChangePassword", read_only]
    );

    let missing = format!("arn:aws:iam::{}:policy/nope", account.account_id);
    let (status, _, body) = b
        .submit(
            "/console/iam/users",
            "/console/iam/users",
            &[
                ("user_name", "fred"),
                ("password", "Fred-Console-Pass1!"),
                ("access_key", "yes"),
                ("groups", "devs"),
                ("policies", &missing),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("does not exist or is not attachable"),
        "{body}"
    );
    let err = iam
        .get_user()
        .user_name("fred")
        .send()
        .await
        .expect_err("no user");
    assert_eq!(error_of(&err).0, "NoSuchEntity");
    let members = iam
        .get_group()
        .group_name("devs")
        .send()
        .await
        .expect("group");
    assert_eq!(members.users().len(), 1);
}

/// A console sign-in is the password's use: GetUser's `PasswordLastUsed`
/// (for the user and for root), ListUsers and the credential report show it,
/// here at once and on a second replica through the change feed.
pub async fn console_sign_in_sets_password_last_used(store: StoreLocation, backend: Backend) {
    let account = create_account(&store, "admin");
    let root_key = create_root_key(&store);
    let a = Server::start(&store, &[]).await;
    let b = match backend {
        Backend::Postgres => Some(Server::start(&store, &[]).await),
        Backend::Sqlite => None,
    };
    let iam = a.iam(&account.admin_key);
    iam.create_user()
        .user_name("gail")
        .send()
        .await
        .expect("user");
    iam.create_login_profile()
        .user_name("gail")
        .password("Gail-Pass-123!")
        .send()
        .await
        .expect("profile");
    if let Some(b) = &b {
        // Replica B holds gail in its user directory before the sign-in.
        let before = b
            .iam(&account.admin_key)
            .get_user()
            .user_name("gail")
            .send()
            .await;
        assert!(
            before
                .expect("B reads gail")
                .user()
                .expect("user")
                .password_last_used()
                .is_none()
        );
    }
    let got = iam.get_user().user_name("gail").send().await.expect("get");
    assert!(got.user().expect("user").password_last_used().is_none());
    let root = a.iam(&root_key);
    let root_user = root.get_user().send().await.expect("root");
    assert!(
        root_user
            .user()
            .expect("user")
            .password_last_used()
            .is_none()
    );

    let mut u = Browser::new(&a.url);
    let (status, _, body) = u
        .sign_in_user(&account.account_id, "gail", "Wrong-Pass-123!")
        .await;
    assert_eq!(status, 401, "{body}");
    let got = iam.get_user().user_name("gail").send().await.expect("get");
    assert!(
        got.user().expect("user").password_last_used().is_none(),
        "a failed sign-in is no use"
    );
    let (status, location, _) = u
        .sign_in_user(&account.account_id, "gail", "Gail-Pass-123!")
        .await;
    assert_eq!((status, location.as_str()), (303, "/console"));
    let got = iam.get_user().user_name("gail").send().await.expect("get");
    let used = got
        .user()
        .expect("user")
        .password_last_used()
        .expect("PasswordLastUsed")
        .secs();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(
        used.abs_diff(i64::try_from(now).expect("now")) < 120,
        "{used} vs {now}"
    );
    let listed = iam.list_users().send().await.expect("list");
    let gail = listed
        .users()
        .iter()
        .find(|u| u.user_name() == "gail")
        .expect("gail");
    assert_eq!(gail.password_last_used().map(|t| t.secs()), Some(used));
    if let Some(b) = &b {
        let iam_b = b.iam(&account.admin_key);
        let start = std::time::Instant::now();
        loop {
            let got = iam_b
                .get_user()
                .user_name("gail")
                .send()
                .await
                .expect("B get");
            if got
                .user()
                .expect("user")
                .password_last_used()
                .map(|t| t.secs())
                == Some(used)
            {
                break;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(5),
                "replica B still shows gail's password as unused"
            );
        }
    }

    let mut r = Browser::new(&a.url);
    let (status, location, _) = r.sign_in_root(ROOT_EMAIL, ROOT_PASSWORD).await;
    assert_eq!((status, location.as_str()), (303, "/console"));
    let root_user = root.get_user().send().await.expect("root");
    assert!(
        root_user
            .user()
            .expect("user")
            .password_last_used()
            .is_some()
    );

    root.generate_credential_report()
        .send()
        .await
        .expect("generate");
    let report = root.get_credential_report().send().await.expect("report");
    let csv =
        String::from_utf8(report.content().expect("content").as_ref().to_vec()).expect("utf8");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "password_last_used")
        .expect("column");
    let cell = |who: &str| -> String {
        csv.lines()
            .find(|l| l.split(',').next() == Some(who))
            .and_then(|l| l.split(',').nth(col))
            .expect("row")
            .to_owned()
    };
    for who in ["gail", "<root_account>"] {
        let value = cell(who);
        assert!(
            value.ends_with("+00:00") && value.len() == 25,
            "{who}: password_last_used {value:?} should be an ISO-8601 time"
        );
    }
}
