/* /invest/ (rendered by the server, which takes the form without this script): the schedule
   drawn as amounts change, the level's minimum said as one types, and the commitment sent to
   the public API without a reload. The schedule follows crm/schedule.py: equal installments to the cent, the
   leftover cents on the first ones, the 31st of a short month on its last day. */
(function () {
  "use strict";
  const API = window.ChamberAPI, F = window.ChamberForms, el = F.el;
  const form = document.getElementById("invest-form");
  const summary = document.getElementById("form-summary");
  const amount = document.getElementById("annual-amount");
  const term = document.getElementById("term-years");
  const perYear = document.getElementById("installments");
  const start = document.getElementById("start");
  const scheduleBox = document.getElementById("schedule");
  const submit = document.getElementById("invest-submit");
  const send = F.keyedSubmitter();

  /* The levels are on the page: their name and minimum ride on their radio buttons. */
  function chosenLevel() {
    const radio = form.querySelector('input[name="level"]:checked');
    return radio ? { code: radio.value, name: radio.dataset.name, minimum_annual_amount: radio.dataset.minimum } : null;
  }

  function cents(text) {
    if (!/^\d+(\.\d{1,2})?$/.test(text)) return null;
    const [whole, frac] = text.split(".");
    return Number(whole) * 100 + Number((frac || "").padEnd(2, "0"));
  }

  function addMonths(iso, months) {
    const [y, m, d] = iso.split("-").map(Number);
    const index = m - 1 + months;
    const year = y + Math.floor(index / 12), month = index % 12;
    const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const day = Math.min(d, last);
    return year + "-" + String(month + 1).padStart(2, "0") + "-" + String(day).padStart(2, "0");
  }

  function schedule(annualCents, years, times, startIso) {
    const count = years * times, total = annualCents * years;
    const base = Math.floor(total / count), remainder = total % count;
    const items = [];
    for (let i = 0; i < count; i++) {
      items.push({ number: i + 1, due_date: addMonths(startIso, i * (12 / times)), cents: base + (i < remainder ? 1 : 0) });
    }
    return items;
  }

  function money(centsValue) { return API.money((centsValue / 100).toFixed(2)); }

  function scheduleTable(rows, totalText, totalId) {
    const body = rows.map(function (r) {
      return el("tr", {}, [el("td", { text: String(r.number) }), el("td", { text: F.longDate(r.due_date) }), el("td", { class: "num", text: r.text })]);
    });
    body.push(el("tr", { class: "total" }, [el("th", { scope: "row", colspan: "2", text: "Total commitment" }), el("td", { class: "num", id: totalId, text: totalText })]));
    return el("div", { class: "table-scroll" }, [el("table", {}, [
      el("caption", { class: "visually-hidden", text: "Payment schedule" }),
      el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: "#" }), el("th", { scope: "col", text: "Due" }), el("th", { scope: "col", class: "num", text: "Amount" })])]),
      el("tbody", {}, body),
    ])]);
  }

  function checkMinimum() {
    const level = chosenLevel();
    const value = cents(amount.value.trim());
    amount.dataset.customError = "";
    if (level && value !== null && value < cents(level.minimum_annual_amount)) {
      amount.dataset.customError = "The " + level.name + " level starts at " + API.money(level.minimum_annual_amount) + " a year.";
    }
  }

  function drawSchedule() {
    checkMinimum();
    // The level's minimum is said as one types or changes level, not only on submit.
    if (amount.value.trim() !== "") F.checkField(amount);
    const value = cents(amount.value.trim());
    if (value === null || value <= 0 || !start.value) {
      scheduleBox.replaceChildren(el("p", { class: "hint", text: "Enter an amount to see your payments." }));
      return;
    }
    const years = Number(term.value), times = Number(perYear.value);
    const items = schedule(value, years, times, start.value);
    scheduleBox.replaceChildren(
      el("p", { id: "schedule-summary", text: items.length + " payment" + (items.length === 1 ? "" : "s") + " from " + F.longDate(items[0].due_date) + " to " + F.longDate(items[items.length - 1].due_date) + "." }),
      scheduleTable(items.map(function (i) { return { number: i.number, due_date: i.due_date, text: money(i.cents) }; }), money(value * years), "schedule-total"),
    );
  }

  function showResult(data) {
    form.hidden = true;
    const body = document.getElementById("invest-result-body");
    body.replaceChildren(
      el("p", {}, ["Your reference is ", el("strong", { id: "reference", text: data.reference }), ". We have emailed you a copy."]),
      el("p", { text: data.organization + " · " + data.level_name + " · " + API.money(data.annual_amount) + " a year for " + data.term_years + " year" + (data.term_years === 1 ? "" : "s") + "." }),
      el("p", { class: "notice", text: "Our team will confirm your commitment with you; each installment is invoiced as it falls due." }),
      scheduleTable(data.schedule.map(function (i) { return { number: i.number, due_date: i.due_date, text: API.money(i.amount) }; }), API.money(data.total_commitment), "commitment-total"),
      el("p", {}, [el("a", { href: "/invest/" + encodeURIComponent(data.reference) + "/", id: "status-link", text: "See the state of your commitment" })]),
    );
    document.getElementById("invest-result").hidden = false;
    document.getElementById("invest-result-heading").focus();
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "level") {
      const level = chosenLevel();
      if (level && amount.value === "") amount.value = level.minimum_annual_amount;
      F.setFieldError(form.querySelector('input[name="level"]'), "");
    }
    drawSchedule();
  });
  [amount, start].forEach(function (input) { input.addEventListener("input", drawSchedule); });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    API.clearErrors(form);
    checkMinimum();
    if (!F.checkAll(form, summary)) return;
    submit.disabled = true;
    submit.textContent = "Sending…";
    const answer = await send("invest/", F.formBody(form));
    submit.disabled = false;
    submit.textContent = "Commit to invest";
    if (answer.status === 201) { showResult(answer.data); return; }
    API.showErrors(form, answer.data.errors, summary);
  });
  F.liveValidation(form);
  form.dataset.enhanced = "true";
  drawSchedule();
})();
