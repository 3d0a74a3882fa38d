/* /directory/ (rendered by the server, searchable and paged without this script): the results
   follow the search box as one types, without reloading the page. The page itself is fetched
   again (the same rendering, one source of truth) and its results swapped in. */
(function () {
  "use strict";
  const form = document.getElementById("directory-search");
  const q = document.getElementById("q");
  let timer = null, seq = 0;

  async function load(url) {
    const mine = ++seq;
    let text;
    try {
      const response = await fetch(url, { headers: { "Accept": "text/html" } });
      if (!response.ok) return;
      text = await response.text();
    } catch (err) {
      return; // the form still works by submitting it
    }
    if (mine !== seq) return; // a newer search is on its way
    const fresh = new DOMParser().parseFromString(text, "text/html").getElementById("directory-results");
    if (!fresh) return;
    document.getElementById("directory-results").replaceWith(fresh);
    window.history.replaceState(null, "", url);
  }

  function searchUrl() {
    const value = q.value.trim();
    return "/directory/" + (value ? "?q=" + encodeURIComponent(value) : "");
  }

  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { load(searchUrl()); }, 250);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); clearTimeout(timer); load(searchUrl()); });
  document.addEventListener("click", function (event) {
    const link = event.target.closest("#directory-results .pager a");
    if (!link) return;
    event.preventDefault();
    load(link.getAttribute("href").startsWith("?") ? "/directory/" + link.getAttribute("href") : link.href);
  });
  form.dataset.enhanced = "true";
})();
