// Polls a background job and shows its progress; reloads the page when it has finished.
(function () {
  document.querySelectorAll("[data-job-url]").forEach(function (box) {
    var bar = box.querySelector("progress");
    var text = box.querySelector(".job-message");
    function poll() {
      fetch(box.dataset.jobUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (job.total) { bar.max = job.total; bar.value = job.done; }
          text.textContent = (job.message || "") + (job.total ? " " + job.done.toLocaleString() + " / " + job.total.toLocaleString() : "");
          if (job.status === "done" || job.status === "failed" || job.status === "cancelled") {
            if (box.dataset.reload) { window.location.reload(); }
          } else { setTimeout(poll, 700); }
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    poll();
  });
})();
