// Passkeys on the hosted pages: the server's WebAuthn options (JSON, in a data attribute) go to
// navigator.credentials.create/get; the browser's answer goes back as JSON in the form's hidden field.
// Loaded only by the passkey pages; the code and password pages need no script.
(function () {
  "use strict";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (ch) { return ch.charCodeAt(0); });
  }

  function toText(buffer) {
    var binary = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) { return Object.assign({}, item, { id: toBytes(item.id) }); });
  }

  function creationOptions(json) {
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    return Object.assign({}, json, { challenge: toBytes(json.challenge), allowCredentials: descriptors(json.allowCredentials) });
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var body = {};
    ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"].forEach(function (name) {
      if (response[name]) body[name] = toText(response[name]);
    });
    if (typeof response.getTransports === "function") body.transports = response.getTransports();
    return JSON.stringify({
      id: credential.id, rawId: toText(credential.rawId), type: credential.type, response: body,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
    });
  }

  function wire(form, attribute, call) {
    var options = JSON.parse(form.getAttribute(attribute));
    var button = form.querySelector("[data-passkey-button]");
    var problem = form.querySelector("[data-passkey-error]");
    var field = form.querySelector("input[name='credential']");
    if (!window.PublicKeyCredential) return;  // the noscript-style message stays the only way out
    button.hidden = false;
    form.addEventListener("submit", function (event) {
      if (field.value) return;  // the answer is in: let the form go
      event.preventDefault();
      problem.hidden = true;
      button.disabled = true;
      call(options).then(function (credential) {
        field.value = credentialJSON(credential);
        form.submit();
      }).catch(function () {
        problem.hidden = false;
        button.disabled = false;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-passkey-create]").forEach(function (form) {
      wire(form, "data-passkey-create", function (json) { return navigator.credentials.create({ publicKey: creationOptions(json) }); });
    });
    document.querySelectorAll("form[data-passkey-get]").forEach(function (form) {
      wire(form, "data-passkey-get", function (json) { return navigator.credentials.get({ publicKey: requestOptions(json) }); });
    });
  });
})();
