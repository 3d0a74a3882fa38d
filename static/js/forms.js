/* Form helpers shared by the join and invest pages: the form as the API's JSON body, and
   checks as a person types that put their messages where the API's errors go. */
(function () {
  "use strict";

  /* name="organization.address.city" becomes {"organization": {"address": {"city": ...}}}.
     Empty optional fields are left out (the API fills its defaults). */
  function formBody(form) {
    const body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "submit" || el.type === "button") return;
      let value;
      if (el.type === "checkbox") value = el.checked;
      else if (el.type === "radio") { if (!el.checked) return; value = el.value; }
      else { value = el.value.trim(); if (value === "") return; }
      if (el.type === "number" && /^-?\d+$/.test(value) && !el.step.includes(".")) value = Number(value);
      const path = el.name.split(".");
      let node = body;
      for (let i = 0; i < path.length - 1; i++) {
        node[path[i]] = node[path[i]] || {};
        node = node[path[i]];
      }
      node[path[path.length - 1]] = value;
    });
    return body;
  }

  /* What the form calls a field (its label without "(optional)"), as the server's messages
     name it: "First name: this field is required." */
  function labelOf(el) {
    let label = el.id ? document.querySelector('label[for="' + CSS.escape(el.id) + '"]') : null;
    if (el.type === "radio") {
      const group = el.closest("fieldset");
      label = group ? group.querySelector("legend") : null;
    }
    if (!label) return el.name;
    const copy = label.cloneNode(true);
    copy.querySelectorAll(".optional, .hint").forEach(function (n) { n.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function messageFor(el) {
    const v = el.validity;
    if (v.valid) return el.dataset.customError || "";
    if (v.valueMissing) return el.type === "radio" ? labelOf(el) + ": choose one." : labelOf(el) + ": this field is required.";
    if (v.typeMismatch && el.type === "email") return "Enter an email address like name@example.com.";
    if (v.badInput) return "Enter a number.";
    if (v.rangeUnderflow) return el.type === "date" ? "Choose a date on or after " + el.min + "." : "Enter at least " + el.min + ".";
    if (v.rangeOverflow) return el.type === "date" ? "Choose a date on or before " + el.max + "." : "Enter at most " + el.max + ".";
    if (v.stepMismatch) return el.step === "1" ? "Enter a whole number." : "Use at most two decimal places.";
    if (v.tooLong) return labelOf(el) + ": use at most " + el.maxLength + " characters.";
    if (v.patternMismatch) return el.dataset.patternMessage || "Check the format of this field.";
    return el.validationMessage || "Check this field.";
  }

  function anchorFor(el) {
    /* Radios show one message after their group. */
    if (el.type === "radio") return el.closest("[data-radio-group]") || el;
    return el;
  }

  function setFieldError(el, message) {
    const anchor = anchorFor(el);
    const id = (el.id || el.name.replace(/\W/g, "-")) + "-error";
    const old = document.getElementById(id);
    if (old) old.remove();
    if (!message) {
      el.removeAttribute("aria-invalid");
      el.setAttribute("aria-describedby", (el.dataset.hintId || "").trim());
      if (!el.getAttribute("aria-describedby")) el.removeAttribute("aria-describedby");
      return;
    }
    const note = document.createElement("p");
    note.className = "error";
    note.id = id;
    note.textContent = message;
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", ((el.dataset.hintId || "") + " " + id).trim());
    anchor.insertAdjacentElement("afterend", note);
  }

  function checkField(el) {
    const message = messageFor(el);
    setFieldError(el, message);
    return !message;
  }

  /* Check a field when the person leaves it, and again as they fix it. */
  function liveValidation(form) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "submit") return;
      const hint = el.getAttribute("aria-describedby");
      if (hint) el.dataset.hintId = hint;
    });
    form.addEventListener("focusout", function (event) {
      const el = event.target;
      if (el.name && el.willValidate && el.value !== "") checkField(el);
    });
    form.addEventListener("input", function (event) {
      const el = event.target;
      if (el.name && el.getAttribute("aria-invalid") === "true") checkField(el);
    });
  }

  /* Check every field; show a summary and move focus to the first problem. */
  function checkAll(form, summary) {
    let first = null;
    const named = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !el.willValidate) return;
      if (el.type === "radio" && el !== form.querySelector('[name="' + el.name + '"]')) return;
      if (!checkField(el)) {
        named.push(labelOf(el));
        if (!first) first = el;
      }
    });
    if (first) {
      summary.hidden = false;
      summary.className = "notice bad";
      summary.textContent = "Please correct the fields marked below: " + named.join(", ") + ".";
      first.focus();
      return false;
    }
    summary.hidden = true;
    return true;
  }

  /* One Idempotency-Key per distinct body: a retry after a lost answer reuses it, so the
     server answers the first request's result instead of creating a second record. */
  function keyedSubmitter() {
    let lastBody = null, key = null;
    return function (path, body) {
      const text = JSON.stringify(body);
      if (text !== lastBody) { lastBody = text; key = window.ChamberAPI.newKey(); }
      return window.ChamberAPI.post(path, body, key);
    };
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function longDate(iso) {
    if (!iso) return "";
    const parts = iso.split("-").map(Number);
    return new Date(Date.UTC(parts[0], parts[1] - 1, parts[2])).toLocaleDateString("en-US", {
      year: "numeric", month: "long", day: "numeric", timeZone: "UTC",
    });
  }

  window.ChamberForms = {
    formBody: formBody, liveValidation: liveValidation, checkAll: checkAll,
    checkField: checkField, setFieldError: setFieldError, labelOf: labelOf, keyedSubmitter: keyedSubmitter,
    el: el, longDate: longDate,
  };
})();
