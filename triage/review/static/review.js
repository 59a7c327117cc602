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
