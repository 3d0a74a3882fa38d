/* /join/: a live dues quote, checks as one types, and the application sent to the public API
   without reloading the page (the page works without this script: the server takes the form). */
(function () {
  "use strict";
  const API = window.ChamberAPI, F = window.ChamberForms, el = F.el;
  const form = document.getElementById("join-form");
  const summary = document.getElementById("form-summary");
  const planSelect = document.getElementById("plan");
  const employees = document.getElementById("org-employees");
  const start = document.getElementById("start");
  const quoteBody = document.getElementById("quote-body");
  const submit = document.getElementById("join-submit");
  const send = F.keyedSubmitter();

  /* The plans are on the page (rendered by the server); choosing one fills the form's select
     instead of reloading the page with ?plan=. */
  document.querySelectorAll("a.choose[data-plan]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      planSelect.value = link.dataset.plan;
      planSelect.dispatchEvent(new Event("change", { bubbles: true }));
      F.checkField(planSelect);
      employees.focus();
    });
  });

  const orgName = document.getElementById("org-name");

  /* What the chosen plan asks for: a person joining as themself gives no organization, and
     only dues by headcount need the number of employees (the server checks the same). */
  function needs() {
    const option = planSelect.selectedOptions[0];
    return {
      organization: !option || option.dataset.organizationRequired !== "false",
      employees: !option || option.dataset.employeesRequired !== "false",
    };
  }

  /* The "(optional)" note of a field's label, there only while the field is optional. */
  function optional(input, note) {
    const label = document.querySelector('label[for="' + input.id + '"]');
    const old = label.querySelector(".optional");
    if (old) old.remove();
    label.normalize();
    label.firstChild.textContent = label.firstChild.textContent.trimEnd();
    if (note) label.append(" ", el("span", { class: "optional", text: note }));
  }

  function markChosen() {
    document.querySelectorAll("article.plan").forEach(function (card) {
      card.classList.toggle("chosen", card.dataset.plan === planSelect.value);
    });
    const need = needs();
    orgName.required = need.organization;
    employees.required = need.employees;
    optional(orgName, need.organization ? "" : "(optional: we list you by your name)");
    optional(employees, need.employees ? "" : "(optional)");
    [orgName, employees].forEach(function (input) {
      if (input.getAttribute("aria-invalid") === "true") F.checkField(input);
    });
  }

  let quoteSeq = 0, quoteTimer = null;
  function refreshQuote() {
    clearTimeout(quoteTimer);
    quoteTimer = setTimeout(loadQuote, 250);
  }

  async function loadQuote() {
    const plan = planSelect.value;
    if (!plan) { quoteBody.textContent = "Choose a plan to see your dues."; return; }
    if (!employees.validity.valid || (employees.value === "" && needs().employees)) {
      quoteBody.textContent = "Give your number of employees to see your dues.";
      return;
    }
    const seq = ++quoteSeq;
    const query = "?start=" + encodeURIComponent(start.value) + (employees.value === "" ? "" : "&employees=" + encodeURIComponent(employees.value));
    const answer = await API.get("membership-plans/" + encodeURIComponent(plan) + "/quote/" + query);
    if (seq !== quoteSeq) return; // a newer quote is on its way
    quoteBody.replaceChildren();
    if (answer.status !== 200) {
      const errors = answer.data.errors || {};
      quoteBody.appendChild(el("p", { class: "error", text: Object.keys(errors).map(function (k) { return errors[k].join(" "); }).join(" ") }));
      return;
    }
    quoteBody.appendChild(quoteTable(answer.data));
  }

  function quoteTable(quote) {
    const rows = quote.lines.map(function (line) {
      return el("tr", {}, [el("td", { text: line.description }), el("td", { class: "num", text: API.money(line.amount) })]);
    });
    rows.push(el("tr", { class: "total" }, [el("th", { scope: "row", text: "Due now" }), el("td", { class: "num", id: "quote-total", text: API.money(quote.total) })]));
    return el("div", {}, [
      el("div", { class: "table-scroll" }, [el("table", {}, [el("caption", { class: "visually-hidden", text: "Your dues" }), el("tbody", {}, rows)])]),
      el("p", { class: "hint", id: "quote-explanation", text: quote.explanation }),
    ]);
  }

  function invoiceBlock(invoice, status) {
    if (!invoice) {
      return el("p", { text: status === "applied"
        ? "Our membership team reviews every application, usually within two business days. Once it is approved we email your dues invoice with a link to pay."
        : "Your dues invoice is on its way by email." });
    }
    const parts = [
      el("h3", { text: "Invoice " + invoice.number }),
      el("p", {}, [
        el("span", { class: "amount", id: "invoice-amount", text: API.money(invoice.amount_due) }),
        " due " + F.longDate(invoice.due_date),
      ]),
    ];
    if (invoice.pay_url) {
      parts.push(el("p", {}, [el("a", { class: "button", id: "pay-button", href: invoice.pay_url, text: "Pay " + API.money(invoice.amount_due) + " now" })]));
      parts.push(el("p", { class: "hint", text: "You can pay by card or from a US bank account on Stripe's secure page." }));
    } else {
      if (invoice.next_step) parts.push(el("p", { class: "notice", id: "next-step", text: invoice.next_step }));
      parts.push(el("p", { class: "notice", id: "payment-instructions", text: invoice.payment_instructions || "We will send you instructions for paying by check or bank transfer." }));
    }
    if (status === "applied" && invoice.status === "open") {
      parts.push(el("p", { class: "hint", id: "review-note", text: "Our membership team reviews every application, usually within two business days. You may pay now: your membership starts once the application is approved, and a declined application is refunded in full." }));
    }
    return el("div", { class: "invoice" }, parts);
  }

  function showResult(data) {
    form.hidden = true;
    document.getElementById("plans-section").hidden = true;
    const statusUrl = "/join/" + encodeURIComponent(data.reference) + "/";
    const body = document.getElementById("result-body");
    body.replaceChildren(
      el("p", {}, ["Your reference is ", el("strong", { id: "reference", text: data.reference }), ". We have emailed you a copy."]),
      el("p", {}, [data.organization + " · " + data.status_display]),
      invoiceBlock(data.invoice, data.status),
      el("p", {}, [el("a", { href: statusUrl, id: "status-link", text: "See where your application stands" })]),
    );
    document.getElementById("join-result").hidden = false;
    document.getElementById("result-heading").focus();
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    API.clearErrors(form);
    if (!F.checkAll(form, summary)) return;
    submit.disabled = true;
    submit.textContent = "Sending…";
    const answer = await send("join/", F.formBody(form));
    submit.disabled = false;
    submit.textContent = "Submit application";
    if (answer.status === 201) { showResult(answer.data); return; }
    API.showErrors(form, answer.data.errors, summary);
  });

  planSelect.addEventListener("change", function () { markChosen(); refreshQuote(); });
  employees.addEventListener("input", refreshQuote);
  start.addEventListener("input", refreshQuote);
  start.addEventListener("change", refreshQuote);
  F.liveValidation(form);

  markChosen();
  refreshQuote();
})();
