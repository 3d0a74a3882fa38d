/* The public pages talk to the same public API as the chamber's website. */
(function () {
  "use strict";

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  async function request(method, path, body, idempotencyKey) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    let response;
    try {
      response = await fetch("/api/v1/public/" + path, {
        method: method, headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      return { status: 0, data: { errors: { detail: ["We could not reach the server. Check your connection and try again."] } } };
    }
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    if (response.status === 429) {
      data = { errors: { detail: ["Too many requests from your address. Wait a minute and try again."] } };
    } else if (response.status >= 500 || data === null) {
      data = { errors: { detail: ["Something went wrong on our side. Your request was not lost if you received a reference; otherwise please try again."] } };
    }
    return { status: response.status, data: data };
  }

  /* Show {"errors": {"organization.name": ["..."]}} beside the inputs named the same way. */
  function showErrors(form, errors, summary) {
    clearErrors(form);
    const unplaced = [];
    Object.keys(errors || {}).forEach(function (field) {
      const input = form.querySelector('[name="' + CSS.escape(field) + '"]');
      const messages = errors[field].join(" ");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        const note = document.createElement("p");
        note.className = "error";
        note.id = (input.id || field.replace(/\W/g, "-")) + "-error";
        note.textContent = messages;
        input.setAttribute("aria-describedby", note.id);
        input.insertAdjacentElement("afterend", note);
      } else {
        unplaced.push(messages);
      }
    });
    if (summary) {
      summary.hidden = false;
      summary.className = "notice bad";
      summary.textContent = unplaced.length ? unplaced.join(" ") : "Please correct the fields marked below.";
      summary.focus();
    }
    const first = form.querySelector('[aria-invalid="true"]');
    if (first && !unplaced.length) first.focus();
  }

  function clearErrors(form) {
    form.querySelectorAll(".error").forEach(function (el) { el.remove(); });
    form.querySelectorAll('[aria-invalid="true"]').forEach(function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
  }

  function money(value) {
    const number = Number(value);
    return "$" + number.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  window.ChamberAPI = {
    get: function (path) { return request("GET", path); },
    post: function (path, body, key) { return request("POST", path, body, key || newKey()); },
    newKey: newKey, showErrors: showErrors, clearErrors: clearErrors, money: money,
  };
})();
