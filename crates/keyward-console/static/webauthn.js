// keyward console: the browser side of WebAuthn (security keys and passkeys).
// Everything else in the console works without JavaScript.
"use strict";
(function () {
  function fromB64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); }).buffer;
  }
  function toB64url(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function say(msg) {
    var el = document.getElementById("webauthn-status");
    if (el) el.textContent = msg;
  }
  async function post(url, body, asJson) {
    var r = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": asJson ? "application/json" : "application/x-www-form-urlencoded" },
      body: asJson ? JSON.stringify(body) : new URLSearchParams(body),
    });
    var data = await r.json().catch(function () { return { error: "Unexpected answer (HTTP " + r.status + ")." }; });
    if (!r.ok || data.error) throw new Error(data.error || "HTTP " + r.status);
    return data;
  }
  function ready() {
    var reg = document.getElementById("register-key");
    if (reg && window.PublicKeyCredential) {
      reg.hidden = false;
      reg.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        var csrf = reg.elements.csrf.value, name = reg.elements.name.value;
        try {
          say("Follow your browser's prompt to use the security key.");
          var opts = await post("/console/security-credentials/webauthn/register/start", { csrf: csrf, name: name });
          var pk = opts.publicKey;
          pk.challenge = fromB64url(pk.challenge);
          pk.user.id = fromB64url(pk.user.id);
          (pk.excludeCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
          var cred = await navigator.credentials.create({ publicKey: pk });
          var done = await post("/console/security-credentials/webauthn/register/finish", {
            csrf: csrf,
            credential: {
              id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
              extensions: cred.getClientExtensionResults(),
              response: {
                attestationObject: toB64url(cred.response.attestationObject),
                clientDataJSON: toB64url(cred.response.clientDataJSON),
              },
            },
          }, true);
          location.assign(done.redirect);
        } catch (e) { say("The security key was not registered: " + e.message); }
      });
    }
    var use = document.getElementById("use-key");
    if (use && window.PublicKeyCredential) {
      use.hidden = false;
      use.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        var csrf = use.elements.csrf.value;
        try {
          say("Follow your browser's prompt to use the security key.");
          var opts = await post("/signin/mfa/webauthn/start", { csrf: csrf });
          var pk = opts.publicKey;
          pk.challenge = fromB64url(pk.challenge);
          (pk.allowCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
          var cred = await navigator.credentials.get({ publicKey: pk });
          var r = cred.response;
          var done = await post("/signin/mfa/webauthn/finish", {
            csrf: csrf,
            credential: {
              id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
              extensions: cred.getClientExtensionResults(),
              response: {
                authenticatorData: toB64url(r.authenticatorData),
                clientDataJSON: toB64url(r.clientDataJSON),
                signature: toB64url(r.signature),
                userHandle: r.userHandle ? toB64url(r.userHandle) : null,
              },
            },
          }, true);
          location.assign(done.redirect);
        } catch (e) { say("The sign-in with the security key failed: " + e.message); }
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
