// Small helpers; the page works without them (the server validates every form).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("overturn-form");
  if (form) {
    const parts = form.querySelectorAll("[data-for-verdict]");
    const sync = () => {
      const checked = form.querySelector("input[name=verdict]:checked");
      const v = checked ? checked.value : "";
      parts.forEach((el) => { el.hidden = !el.dataset.forVerdict.split(" ").includes(v); });
    };
    form.querySelectorAll("input[name=verdict]").forEach((el) => el.addEventListener("change", sync));
    sync();
    form.addEventListener("submit", (ev) => {
      if (!window.confirm("Batalkan keputusan ini? Tindakan tercatat di log audit.")) ev.preventDefault();
    });
  }
});

// Keyboard-first review (the help overlay, "?", lists the keys). Keys are ignored while typing in
// a field, except Escape (leave the field) and Ctrl+Enter (send the form being filled in).
document.addEventListener("DOMContentLoaded", () => {
  const help = document.getElementById("help");
  const toggleHelp = (show) => { if (help) help.hidden = show === undefined ? !help.hidden : !show; };
  document.querySelectorAll("[data-help-open]").forEach((b) => b.addEventListener("click", () => toggleHelp(true)));
  const go = (rel) => { const a = document.querySelector(`a[rel=${rel}]`); if (a) window.location.href = a.href; };
  const overturnTo = (verdict) => {
    const form = document.getElementById("overturn-form");
    const radio = form && form.querySelector(`input[name=verdict][value=${verdict}]`);
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change"));
    document.getElementById("overturn-note").focus();
  };
  const rows = Array.from(document.querySelectorAll("tr.item a.open"));
  const moveRow = (step) => {
    if (!rows.length) return;
    const at = rows.indexOf(document.activeElement);
    rows[Math.min(rows.length - 1, Math.max(0, at + step))].focus();
  };
  document.addEventListener("keydown", (ev) => {
    const typing = ev.target.closest && ev.target.closest("input, textarea, select");
    if (ev.key === "Escape") { toggleHelp(false); if (typing) ev.target.blur(); return; }
    if (typing) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); ev.target.form.requestSubmit(); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const actions = {
      "?": () => toggleHelp(),
      j: () => (rows.length ? moveRow(1) : go("next")),
      k: () => (rows.length ? moveRow(-1) : go("prev")),
      c: () => { const f = document.getElementById("confirm-form"); if (f) f.requestSubmit(); },
      v: () => overturnTo("valid"),
      i: () => overturnTo("needs_info"),
      t: () => overturnTo("invalid"),
      e: () => { const n = document.getElementById("overturn-note"); if (n) n.focus(); },
    };
    const act = actions[ev.key];
    if (act) { ev.preventDefault(); act(); }
  });
});
