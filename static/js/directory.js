/* /directory/: the members who asked to be listed, searchable, a page at a time. */
(function () {
  "use strict";
  const API = window.ChamberAPI, el = window.ChamberForms.el;
  const form = document.getElementById("directory-search");
  const q = document.getElementById("q");
  const list = document.getElementById("directory");
  const count = document.getElementById("directory-count");
  const prev = document.getElementById("prev-page"), next = document.getElementById("next-page");
  let page = Number(new URLSearchParams(window.location.search).get("page")) || 1;

  function entry(org) {
    const name = org.website
      ? el("a", { href: org.website, rel: "noopener nofollow", text: org.name })
      : document.createTextNode(org.name);
    const facts = [org.industry, org.city].filter(Boolean).join(" · ");
    const since = org.member_since ? "Member since " + org.member_since.slice(0, 4) : "";
    const categories = (org.categories || []).map(function (c) { return c.name; }).join(", ");
    const labels = { linkedin: "LinkedIn", facebook: "Facebook", instagram: "Instagram", x: "X", youtube: "YouTube" };
    const social = Object.keys(org.social_links || {}).map(function (network) {
      return el("a", { href: org.social_links[network], rel: "noopener nofollow", text: labels[network] || network });
    });
    return el("li", { class: "card member" }, [
      org.logo_url ? el("img", { class: "member-logo", src: org.logo_url, alt: org.name + " logo", loading: "lazy" }) : "",
      el("h2", {}, [name]),
      facts ? el("p", { text: facts }) : "",
      categories ? el("p", { class: "categories", text: categories }) : "",
      org.description ? el("p", { text: org.description }) : "",
      social.length ? el("p", { class: "social" }, social) : "",
      since ? el("p", { class: "hint", text: since }) : "",
    ].filter(Boolean));
  }

  async function load() {
    const params = new URLSearchParams();
    if (q.value.trim()) params.set("q", q.value.trim());
    if (page > 1) params.set("page", String(page));
    window.history.replaceState(null, "", "/directory/" + (params.toString() ? "?" + params : ""));
    params.set("page_size", "20");
    const answer = await API.get("directory/?" + params);
    if (answer.status !== 200) {
      if (answer.status === 404 && page > 1) { page = 1; load(); return; }
      const errors = answer.data.errors || {};
      count.textContent = Object.keys(errors).map(function (k) { return errors[k].join(" "); }).join(" ");
      return;
    }
    const data = answer.data;
    list.replaceChildren.apply(list, data.results.map(entry));
    count.textContent = data.count === 0
      ? "No members match your search."
      : data.count + " member" + (data.count === 1 ? "" : "s") + (q.value.trim() ? " match “" + q.value.trim() + "”." : ".");
    prev.hidden = !data.previous;
    next.hidden = !data.next;
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); page = 1; load(); });
  prev.addEventListener("click", function () { page -= 1; load(); });
  next.addEventListener("click", function () { page += 1; load(); });
  load();
})();
