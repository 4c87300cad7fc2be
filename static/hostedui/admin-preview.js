// The branding form's live preview: send the form as typed to the console, show the page it returns.
"use strict";
(function () {
  const frame = document.getElementById("branding-preview");
  if (!frame) return;
  const form = frame.closest("form");
  const status = document.getElementById("branding-preview-status");
  const dropped = document.getElementById("branding-preview-dropped");
  let timer = null;
  let latest = 0;

  function show(texts) {
    dropped.replaceChildren(...texts.map(function (text) {
      const item = document.createElement("li");
      item.className = "warning";
      item.textContent = "Would be dropped from the custom CSS: " + text;
      return item;
    }));
  }

  function refresh() {
    const mine = ++latest;  // answers may arrive out of order; only the last one counts
    const data = new FormData(form);
    fetch(frame.dataset.previewUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRFToken": data.get("csrfmiddlewaretoken") || ""},
    })
      .then(function (response) { return response.json().then(function (body) { return {ok: response.ok, body: body}; }); })
      .then(function (answer) {
        if (mine !== latest) return;
        if (!answer.ok) {
          status.textContent = answer.body.error || "The preview could not be updated.";
          return;
        }
        status.textContent = "";
        frame.src = answer.body.url;
        show(answer.body.dropped || []);
      })
      .catch(function () {
        if (mine === latest) status.textContent = "The preview could not be updated.";
      });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  refresh();
})();
