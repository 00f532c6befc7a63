// Checks the policy editor's JSON as you type, with the same validator the
// API uses (the console's /console/iam/policies/validate).
(function () {
  "use strict";
  var form = document.getElementById("policy-form");
  if (!form) return;
  var area = document.getElementById("document");
  var out = document.getElementById("document-check");
  var csrf = form.querySelector("input[name=csrf]").value;
  var timer = null;
  function check() {
    var body = new URLSearchParams();
    body.set("csrf", csrf);
    body.set("document", area.value);
    fetch("/console/iam/policies/validate", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (v) {
        out.textContent = v.valid ? "The policy document is valid." : v.message;
        out.className = v.valid ? "ok" : "error";
        area.setAttribute("aria-invalid", v.valid ? "false" : "true");
      })
      .catch(function () { out.textContent = ""; });
  }
  area.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
})();
