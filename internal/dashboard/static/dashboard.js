// orgauth dashboard: small progressive enhancements. Every page works without this script; the
// Content-Security-Policy allows no inline script, so all behaviour hangs off data- attributes.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: data-copy names the element whose text is copied.
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      const label = button.querySelector("span");
      try {
        await navigator.clipboard.writeText(source.textContent);
        if (label) label.textContent = "Copied";
      } catch {
        // Without the clipboard API (plain http on a remote host), select the text for Ctrl+C.
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        if (label) label.textContent = "Press Ctrl+C";
      }
      setTimeout(() => { if (label) label.textContent = "Copy"; }, 2000);
    });
  }

  // Forms that ask first: data-confirm is the question.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // The APIs tab: turning a grant off deletes it (and its organization associations), so ask.
  for (const form of document.querySelectorAll("form[data-revoke]")) {
    const toggle = form.querySelector("[data-toggle-grant]");
    form.addEventListener("submit", (event) => {
      if (toggle && !toggle.checked && !window.confirm(form.dataset.revoke)) event.preventDefault();
    });
  }
  for (const toggle of document.querySelectorAll("[data-toggle-grant]")) {
    const form = toggle.closest("form");
    toggle.addEventListener("change", () => form.classList.toggle("is-on", toggle.checked));
  }

  // Selects that move to the next step as soon as something is chosen.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => { if (select.value) select.form.requestSubmit(); });
  }

  // "Add row" buttons clone a <template> row into a list of rows.
  for (const button of document.querySelectorAll("[data-add-row]")) {
    button.addEventListener("click", () => {
      const template = document.getElementById(button.dataset.addRow);
      const rows = document.getElementById(button.dataset.rows);
      const row = template.content.firstElementChild.cloneNode(true);
      rows.appendChild(row);
      row.querySelector("input").focus();
    });
  }

  // Color pickers write into the hex field beside them, and follow it. The hex field is what the form
  // sends; while it is empty the color is not set, and the picker (which cannot be empty) is hidden
  // behind a "none" swatch rather than showing black. Clear empties the field.
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
  const full = (v) => v.length === 4 ? "#" + [...v.slice(1)].map((c) => c + c).join("") : v;
  for (const picker of document.querySelectorAll("input[type=color][data-color-for]")) {
    const field = document.getElementById(picker.dataset.colorFor);
    const box = picker.closest(".color");
    const sync = () => {
      if (hex.test(field.value)) picker.value = full(field.value.toLowerCase());
      box.classList.toggle("is-unset", field.value.trim() === "");
    };
    sync();
    field.addEventListener("input", sync);
    picker.addEventListener("input", () => {
      field.value = picker.value;
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
  for (const button of document.querySelectorAll("[data-clear-color]")) {
    const field = document.getElementById(button.dataset.clearColor);
    button.addEventListener("click", () => {
      field.value = "";
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.focus();
    });
  }

  // The branding preview follows the logo, colors and display name as they are typed.
  const page = document.querySelector("[data-preview-page]");
  if (page) {
    const logo = page.querySelector("[data-preview-logo]");
    const button = page.querySelector("[data-preview-button]");
    const name = page.querySelector("[data-preview-name]");
    const input = (kind) => document.querySelector(`[data-preview="${kind}"]`);
    const update = () => {
      const url = input("logo").value.trim();
      if (url.startsWith("https://")) logo.src = url; else logo.removeAttribute("src");
      const primary = input("primary").value.trim();
      const background = input("background").value.trim();
      button.style.backgroundColor = hex.test(primary) ? primary : "";
      page.style.backgroundColor = hex.test(background) ? background : "";
      const displayName = input("name").value.trim();
      if (displayName) name.textContent = displayName;
    };
    logo.addEventListener("error", () => logo.removeAttribute("src"));
    for (const kind of ["logo", "primary", "background", "name"]) input(kind).addEventListener("input", update);
    update();
  }

  // Organization pickers: with thousands of organizations, the suggestions come from the server as the
  // name is typed (data-search is the URL); the field still accepts any name or org_ id typed in full.
  for (const field of document.querySelectorAll("input[data-search][list]")) {
    const list = document.getElementById(field.getAttribute("list"));
    let timer;
    field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const response = await fetch(field.dataset.search + "?q=" + encodeURIComponent(field.value.trim()),
          { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        list.replaceChildren(...(await response.json()).map((org) => {
          const option = document.createElement("option");
          option.value = org.name;
          option.textContent = org.display_name || org.id;
          return option;
        }));
      }, 150);
    });
  }
});
