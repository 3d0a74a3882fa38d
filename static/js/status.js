/* /join/<reference>/ and /invest/<reference>/: where an application or a pledge stands. */
(function () {
  "use strict";
  const API = window.ChamberAPI, F = window.ChamberForms, el = F.el;
  const box = document.getElementById("status");
  const kind = box.dataset.kind, reference = box.dataset.reference;
  if (box.dataset.rendered === "server") return; // /join/<reference>/ is drawn by the server

  function row(label, value, id) {
    return [el("dt", { text: label }), el("dd", id ? { id: id, text: value } : { text: value })];
  }

  function joinView(data) {
    const parts = [el("dl", {}, [].concat(
      row("Reference", data.reference),
      row("Organization", data.organization),
      row("Plan", data.plan_name),
      row("Status", data.status_display, "application-status"),
      row("Starts", F.longDate(data.start)),
      data.paid_through ? row("Paid through", F.longDate(data.paid_through)) : [],
    ))];
    const invoice = data.invoice;
    if (invoice) {
      parts.push(el("h2", { text: "Invoice " + invoice.number }));
      parts.push(el("p", { id: "invoice-status", text: invoice.status === "paid"
        ? "Paid: thank you."
        : API.money(invoice.amount_due) + " due " + F.longDate(invoice.due_date) + "." }));
      if (invoice.status !== "paid" && Number(invoice.amount_due) > 0) {
        if (!invoice.pay_url && invoice.next_step) parts.push(el("p", { class: "notice", id: "next-step", text: invoice.next_step }));
        parts.push(invoice.pay_url
          ? el("p", {}, [el("a", { class: "button", id: "pay-button", href: invoice.pay_url, text: "Pay " + API.money(invoice.amount_due) })])
          : el("p", { class: "notice", text: invoice.payment_instructions }));
      }
    } else if (data.status === "applied") {
      parts.push(el("p", { text: "Our membership team is reviewing your application. Once it is approved we email your dues invoice." }));
    }
    return parts;
  }

  function investView(data) {
    function invoiceCell(invoice) {
      if (!invoice) return el("td", { text: "Not invoiced yet" });
      if (invoice.status === "paid") return el("td", { text: "Invoice " + invoice.number + ": paid" });
      if (invoice.pay_url) return el("td", {}, [el("a", { href: invoice.pay_url, text: "Pay invoice " + invoice.number })]);
      return el("td", { text: "Invoice " + invoice.number + ": " + invoice.payment_instructions });
    }
    const rows = data.schedule.map(function (i) {
      return el("tr", {}, [el("td", { text: String(i.number) }), el("td", { text: F.longDate(i.due_date) }), el("td", { class: "num", text: API.money(i.amount) }), invoiceCell(i.invoice)]);
    });
    return [
      el("dl", {}, [].concat(
        row("Reference", data.reference),
        row("Organization", data.organization),
        row("Level", data.level_name),
        row("Status", data.status_display, "pledge-status"),
        row("Total commitment", API.money(data.total_commitment)),
      )),
      el("h2", { text: "Schedule" }),
      el("div", { class: "table-scroll" }, [el("table", {}, [
        el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: "#" }), el("th", { scope: "col", text: "Due" }), el("th", { scope: "col", class: "num", text: "Amount" }), el("th", { scope: "col", text: "Invoice" })])]),
        el("tbody", {}, rows),
      ])]),
    ];
  }

  API.get(kind + "/" + encodeURIComponent(reference) + "/").then(function (answer) {
    if (answer.status === 404) {
      box.replaceChildren(el("p", { class: "notice bad", text: "We could not find anything with this reference. Check the link in your email." }));
      return;
    }
    if (answer.status !== 200) {
      box.replaceChildren(el("p", { class: "notice bad", text: answer.data.errors.detail.join(" ") }));
      return;
    }
    box.replaceChildren.apply(box, kind === "join" ? joinView(answer.data) : investView(answer.data));
  });
})();
