// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function rulesMet(password, rule, value, symbols) {
    switch (rule) {
      case "length": return password.length >= Number(value);
      case "uppercase": return /[A-Z]/.test(password);
      case "lowercase": return /[a-z]/.test(password);
      case "number": return /[0-9]/.test(password);
      case "symbol": return Array.prototype.some.call(password, function (ch) { return symbols.indexOf(ch) !== -1; });
      default: return false;
    }
  }

  function watchPolicy() {
    var policy = document.getElementById("password-policy");
    if (!policy) return;
    var input = document.querySelector("input[autocomplete='new-password']");
    if (!input) return;
    var symbols = policy.getAttribute("data-symbols") || "";
    var items = policy.querySelectorAll("li[data-rule]");
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " password-policy").trim());
    input.addEventListener("input", function () {
      items.forEach(function (item) {
        var met = rulesMet(input.value, item.getAttribute("data-rule"), item.getAttribute("data-value"), symbols);
        item.classList.toggle("met", met);
      });
    });
  }

  function revealButtons() {
    document.querySelectorAll("button.reveal[data-reveal]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-reveal"));
      if (!input) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var showing = input.type === "text";
        input.type = showing ? "password" : "text";
        button.setAttribute("aria-pressed", String(!showing));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    watchPolicy();
    revealButtons();
  });
})();
