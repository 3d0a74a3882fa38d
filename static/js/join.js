/* /join/: the plans as a price table, a live dues quote, and the application. */
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
  let plans = [];

  function priceRows(pricing) {
    if (pricing.kind === "flat") {
      return [el("p", { class: "amount", text: API.money(pricing.amount) + " a year" })];
    }
    const rows = pricing.brackets.map(function (b) {
      return el("tr", {}, [
        el("td", { text: b.min_employees + "–" + b.max_employees + " employees" }),
        el("td", { class: "num", text: API.money(b.amount) }),
      ]);
    });
    const top = pricing.brackets[pricing.brackets.length - 1];
    if (top) {
      rows.push(el("tr", {}, [
        el("td", { text: "More than " + top.max_employees }),
        el("td", { class: "num", text: API.money(top.amount) + " + " + API.money(pricing.per_employee_above) + " each above " + top.max_employees }),
      ]));
    }
    const table = el("table", {}, [
      el("caption", { class: "visually-hidden", text: "Annual dues by number of employees" }),
      el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: "Employees" }), el("th", { scope: "col", class: "num", text: "Annual dues" })])]),
      el("tbody", {}, rows),
    ]);
    const parts = [el("div", { class: "table-scroll" }, [table])];
    if (pricing.cap) parts.push(el("p", { class: "hint", text: "Dues never exceed " + API.money(pricing.cap) + " a year." }));
    return parts;
  }

  function prorationHint(plan) {
    if (plan.billing_cycle === "anniversary") return "Billed yearly from your start date.";
    if (plan.pricing.proration === "monthly") return "Calendar year; joining mid-year you pay only for the months left.";
    if (plan.pricing.proration === "daily") return "Calendar year; joining mid-year you pay only for the days left.";
    return "Calendar year; full dues whatever the start date.";
  }

  function renderPlans() {
    const holder = document.getElementById("plans");
    document.getElementById("plans-loading").remove();
    plans.forEach(function (plan) {
      const button = el("button", { type: "button", class: "choose", "data-plan": plan.code, "aria-describedby": "plan-name-" + plan.code, text: "Choose this plan" });
      button.addEventListener("click", function () {
        planSelect.value = plan.code;
        planSelect.dispatchEvent(new Event("change", { bubbles: true }));
        F.checkField(planSelect);
        employees.focus();
      });
      holder.appendChild(el("article", { class: "card plan", "data-plan": plan.code }, [
        el("h3", { id: "plan-name-" + plan.code, text: plan.name }),
        el("p", { text: plan.description }),
      ].concat(priceRows(plan.pricing), [
        el("p", { class: "hint", text: prorationHint(plan) + (plan.requires_review ? " Applications are reviewed before the first invoice." : "") }),
        button,
      ])));
      planSelect.appendChild(el("option", { value: plan.code, text: plan.name }));
    });
    const wanted = new URLSearchParams(window.location.search).get("plan");
    if (wanted && plans.some(function (p) { return p.code === wanted; })) planSelect.value = wanted;
    else if (plans.length === 1) planSelect.value = plans[0].code;
    markChosen();
    refreshQuote();
  }

  function markChosen() {
    document.querySelectorAll("article.plan").forEach(function (card) {
      card.classList.toggle("chosen", card.dataset.plan === planSelect.value);
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
    if (employees.value === "" || !employees.validity.valid) {
      quoteBody.textContent = "Give your number of employees to see your dues.";
      return;
    }
    const seq = ++quoteSeq;
    const query = "?employees=" + encodeURIComponent(employees.value) + "&start=" + encodeURIComponent(start.value);
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

  API.get("membership-plans/").then(function (answer) {
    if (answer.status !== 200) {
      document.getElementById("plans-loading").textContent = "The plans could not be loaded. Please reload the page.";
      return;
    }
    plans = answer.data;
    renderPlans();
  });
})();
