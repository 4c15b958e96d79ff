// Segmenta: the little glue htmx needs. Pages work without it; this only improves failures.
(function () {
  "use strict";

  function showError(text) {
    var box = document.getElementById("request-error");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }

  // A partial request whose session ran out is redirected to the login page; swapping that
  // page into a region would nest it, so load it as a whole page instead.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var loginUrl = document.body.dataset.loginUrl;
    var responseUrl = event.detail.xhr.responseURL;
    if (loginUrl && responseUrl && new URL(responseUrl).pathname === loginUrl) {
      event.detail.shouldSwap = false;
      window.location.assign(responseUrl);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      var box = document.getElementById("request-error");
      if (box) box.hidden = true;
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    showError(
      status === 403
        ? "You don’t have access to that, or the page expired: reload it and try again."
        : "The server could not answer (error " + status + "). Please try again."
    );
  });

  document.addEventListener("htmx:sendError", function () {
    showError("The server could not be reached. Check your connection and try again.");
  });
})();
