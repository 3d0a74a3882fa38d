// The member portal works without this file. With it, a page that only hands the member on to
// Stripe's own page (a link marked data-go-now) follows that link at once.
(function () {
  "use strict";
  var next = document.querySelector("a[data-go-now]");
  if (next) {
    window.location.assign(next.href);
  }
})();
