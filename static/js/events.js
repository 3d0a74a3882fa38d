/* /events/<slug>/ and /registrations/<reference>/ (rendered by the server): the price as one
   chooses, guests' names, registering and cancelling through the public API without a reload. */
(function () {
  "use strict";
  const API = window.ChamberAPI;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (attrs[key] !== null && attrs[key] !== undefined && attrs[key] !== false) node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  /* Events happen in Hartford: their times are shown in the chamber's time zone, whatever the
     visitor's device is set to, and say so ("Thursday, March 5, 2026, 8:00 AM ET"), as the
     server writes them (core/timefmt.py). */
  const ZONE = document.body.dataset.timeZone || "America/New_York";
  const ZONE_LABEL = document.body.dataset.timeZoneLabel || "ET";

  function when(iso) {
    const moment = new Date(iso);
    const day = moment.toLocaleDateString("en-US", { weekday: "long", month: "long", day: "numeric", year: "numeric", timeZone: ZONE });
    const time = moment.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit", timeZone: ZONE });
    // Newer ICU puts a narrow no-break space before AM/PM; the server writes a plain one.
    return day + ", " + time.replace(/\u202f/g, " ") + " " + ZONE_LABEL;
  }

  /* --- one event and its form ---------------------------------------------------------------- */
  async function detailPage(box) {
    const slug = box.dataset.slug;
    const form = document.getElementById("registration-form");
    const summary = document.getElementById("form-summary");
    const quantity = document.getElementById("quantity");
    const guests = document.getElementById("guests");
    // The page (rendered by the server) has the tickets and takes the form without this script;
    // the script adds the price as one chooses, the guests' names, and registers without a reload.
    const answer = await API.get("events/" + encodeURIComponent(slug) + "/");
    if (answer.status !== 200) return;
    const event = answer.data;
    if (!form) return; // registration is closed: the page says so
    function chosen() {
      const picked = form.querySelector('input[name="ticket_type"]:checked');
      return event.ticket_types.find(function (t) { return picked && t.code === picked.value; });
    }

    function refresh() {
      const t = chosen();
      const typed = parseInt(quantity.value, 10);
      const n = typed >= 1 ? typed : 0;
      if (t) quantity.max = String(t.limit_per_registration);
      const price = document.getElementById("price");
      if (t && n === 0) {
        // No "1 × $40.00" for a count of 0 or one being typed.
        price.textContent = "Choose at least one ticket.";
      } else if (t && Number(t.non_member_price) + Number(t.member_price) > 0) {
        price.textContent = t.members_only || t.member_price === t.non_member_price
          ? n + " × " + API.money(t.member_price) + " = " + API.money(Number(t.member_price) * n)
          : n + " × " + API.money(t.non_member_price) + " = " + API.money(Number(t.non_member_price) * n) + " (" + API.money(Number(t.member_price) * n) + " at the member price)";
      } else {
        price.textContent = t ? "Free" : "";
      }
      // One row of names per guest beyond the registrant.
      const wanted = Math.min(n, 20) - 1;
      document.getElementById("guests-fieldset").hidden = wanted < 1;
      while (guests.children.length > Math.max(wanted, 0)) guests.lastChild.remove();
      while (guests.children.length < wanted) {
        const i = guests.children.length + 1;
        guests.appendChild(el("div", { class: "guest" }, [
          el("div", {}, [el("label", { for: "guest-" + i + "-first", text: "Guest " + i + " first name" }), el("input", { id: "guest-" + i + "-first", name: "attendees." + i + ".first_name", maxlength: "100" })]),
          el("div", {}, [el("label", { for: "guest-" + i + "-last", text: "Guest " + i + " last name" }), el("input", { id: "guest-" + i + "-last", name: "attendees." + i + ".last_name", maxlength: "100" })]),
        ]));
      }
    }
    // Only the ticket and the count change the price and the guest rows (a change event from
    // any other field would redraw under a pointer that is on its way to the button).
    form.addEventListener("change", function (e) {
      if (e.target.name === "ticket_type") refresh();
    });
    quantity.addEventListener("input", refresh);
    refresh();

    const key = API.newKey();
    // Marked once the script takes the form over (tests wait for it; without the script the
    // form is posted to the server as it stands).
    form.dataset.enhanced = "true";
    form.addEventListener("submit", async function (e) {
      e.preventDefault();
      API.clearErrors(form);
      // Each missing or wrong field named beside it before anything is sent (forms.js).
      if (!window.ChamberForms.checkAll(form, summary)) return;
      const button = document.getElementById("register-button");
      const t = chosen();
      const contact = {
        first_name: form.elements["contact.first_name"].value.trim(),
        last_name: form.elements["contact.last_name"].value.trim(),
        email: form.elements["contact.email"].value.trim(),
      };
      const attendees = [{ first_name: contact.first_name, last_name: contact.last_name, email: contact.email }];
      guests.querySelectorAll(".guest").forEach(function (row) {
        const inputs = row.querySelectorAll("input");
        if (inputs[0].value.trim() || inputs[1].value.trim()) {
          attendees.push({ first_name: inputs[0].value.trim() || "Guest", last_name: inputs[1].value.trim() || contact.last_name });
        }
      });
      button.disabled = true;
      const result = await API.post("events/" + encodeURIComponent(slug) + "/registrations/", {
        ticket_type: t ? t.code : "",
        quantity: parseInt(quantity.value, 10) || 0,
        contact: contact,
        organization: form.elements.organization.value.trim(),
        attendees: attendees,
        company_fax: form.elements.company_fax.value,
      }, key);
      button.disabled = false;
      if (result.status !== 201) {
        API.showErrors(form, result.data.errors, summary);
        return;
      }
      form.hidden = true;
      const out = document.getElementById("result");
      out.hidden = false;
      out.textContent = "";
      out.appendChild(el("h2", { id: "result-heading", text: headline(result.data) }));
      registrationView(result.data).forEach(function (node) { out.appendChild(node); });
      out.focus();
    });
  }

  function headline(r) {
    return {
      confirmed: "You are registered",
      pending_payment: "Your seats are held",
      waitlisted: "You are on the waitlist",
      cancelled: "This registration is cancelled",
      checked_in: "You are checked in",
    }[r.status] || r.status_display;
  }

  function row(label, value, id) {
    return [el("dt", { text: label }), el("dd", id ? { id: id, text: value } : { text: value })];
  }

  function registrationView(r) {
    const parts = [el("dl", { class: "facts" }, [].concat(
      row("Event", r.event_title),
      row("When", when(r.starts_at)),
      r.venue ? row("Where", r.venue) : [],
      row("Tickets", r.quantity + " × " + r.ticket_type_name),
      row("Status", r.status_display, "registration-status"),
      Number(r.total) > 0 ? row("Total", API.money(r.total) + (r.member_pricing ? " (member price)" : "")) : row("Price", "Free"),
      row("Reference", r.reference, "reference"),
    ))];
    if (r.status === "waitlisted") {
      parts.push(el("p", { class: "notice", id: "waitlist-position", text: "You are number " + r.waitlist_position + " on the waitlist. If a place opens up for your whole party we email you." }));
    }
    if (r.status === "pending_payment") {
      if (r.pay_url) {
        parts.push(el("p", { text: r.pay_by ? "Pay by " + when(r.pay_by) + " to keep your seats." : "Pay to confirm your seats." }));
        parts.push(el("p", {}, [el("a", { class: "button", id: "pay-button", href: r.pay_url, text: "Pay " + API.money(r.total) })]));
      } else if (r.payment_instructions) {
        if (r.next_step) parts.push(el("p", { class: "notice", id: "next-step", text: r.next_step }));
        parts.push(el("p", { class: "notice", text: r.payment_instructions }));
      }
    }
    parts.push(el("p", {}, [el("a", { href: "/registrations/" + r.reference + "/", id: "registration-link", text: "Your registration page (keep this link to see or cancel it)" })]));
    return parts;
  }

  /* --- a registration by its reference ------------------------------------------------------- */
  async function registrationPage(box) {
    const reference = box.dataset.reference;
    const path = "registrations/" + encodeURIComponent(reference) + "/";

    function draw(r) {
      box.textContent = "";
      box.appendChild(el("h2", { text: headline(r) }));
      registrationView(r).slice(0, -1).forEach(function (node) { box.appendChild(node); });
      if (r.can_cancel) {
        const button = el("button", { type: "button", id: "cancel-button", text: "Cancel my registration" });
        const note = el("p", { class: "hint", text: "You can cancel online until " + when(r.cancel_until) + ". Anything you paid is refunded." });
        const problem = el("p", { class: "notice bad", role: "alert", hidden: true });
        button.addEventListener("click", async function () {
          if (!window.confirm("Cancel this registration?")) return;
          button.disabled = true;
          const answer = await API.post(path + "cancel/", {});
          if (answer.status === 200) { draw(answer.data); return; }
          button.disabled = false;
          problem.hidden = false;
          problem.textContent = Object.values(answer.data.errors).flat().join(" ");
        });
        box.appendChild(el("div", {}, [note, button, problem]));
      } else if (["pending_payment", "confirmed", "waitlisted"].indexOf(r.status) >= 0) {
        box.appendChild(el("p", { class: "hint", text: "Online cancellation has closed. Please contact the chamber." }));
      }
    }

    const answer = await API.get(path);
    if (answer.status !== 200) {
      box.textContent = "";
      box.appendChild(el("p", { class: "notice bad", text: answer.status === 404 ? "We cannot find a registration with this reference." : answer.data.errors.detail.join(" ") }));
      return;
    }
    draw(answer.data);
  }

  const detail = document.querySelector('[data-page="detail"]');
  const registration = document.querySelector('[data-page="registration"]');
  if (detail) detailPage(detail);
  if (registration) registrationPage(registration);
})();
