// Krag's pages work without this script; it only smooths them:
//  - focus moves to a form's error (announced by its role="alert") so keyboard and screen
//    reader users land on it;
//  - a submitted form's button says what is happening and cannot be pressed twice;
//  - password fields get a "Show" toggle;
//  - times are shown in the reader's own time zone.
(function () {
  "use strict";

  function focusError() {
    var el = document.querySelector("[data-autofocus]");
    if (el) {
      el.focus();
    }
  }

  function busyForms() {
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.submitting === "1") {
          event.preventDefault();
          return;
        }
        form.dataset.submitting = "1";
        // The button that was pressed (Deny, not the form's first button, says "Saving…").
        var button = event.submitter && form.contains(event.submitter) ? event.submitter : form.querySelector("button[type=submit]");
        if (button && form.dataset.busy) {
          button.dataset.label = button.textContent;
          button.textContent = form.dataset.busy;
        }
        if (button) {
          button.setAttribute("aria-disabled", "true");
        }
        form.setAttribute("aria-busy", "true");
      });
    });
    // A page restored from the back-forward cache shows its forms as they were left.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) {
        return;
      }
      document.querySelectorAll("form[data-submitting]").forEach(function (form) {
        delete form.dataset.submitting;
        form.removeAttribute("aria-busy");
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          button.removeAttribute("aria-disabled");
          if (button.dataset.label) {
            button.textContent = button.dataset.label;
          }
        });
      });
    });
  }

  function passwordToggles() {
    document.querySelectorAll("input[type=password]").forEach(function (input) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "reveal";
      button.textContent = "Show";
      button.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-label", "Show password");
      button.addEventListener("click", function () {
        var shown = input.type === "text";
        input.type = shown ? "password" : "text";
        button.textContent = shown ? "Show" : "Hide";
        button.setAttribute("aria-pressed", shown ? "false" : "true");
        button.setAttribute("aria-label", shown ? "Show password" : "Hide password");
      });
      var wrap = document.createElement("div");
      wrap.className = "reveal-wrap";
      input.parentNode.insertBefore(wrap, input);
      wrap.appendChild(input);
      wrap.appendChild(button);
    });
    // Never submit a password in the clear field type (password managers watch for it).
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll(".reveal-wrap input").forEach(function (input) {
          input.type = "password";
        });
      });
    });
  }

  function localTimes() {
    var format;
    try {
      format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    } catch (e) {
      return;
    }
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d.getTime())) {
        el.title = el.textContent;
        el.textContent = format.format(d);
      }
    });
  }

  document.documentElement.classList.add("js");
  focusError();
  busyForms();
  passwordToggles();
  localTimes();
})();
