// The desk's team rooms, live-ish: every few seconds the section is fetched again from the
// server (the same template, GET /moderate/w/ID/rooms) and put in place of the old one, so the
// teacher sees who is in each room and how busy it is without reloading the desk. Not while the
// teacher is using the section (a field or button has the focus, or a list is opened), nor in a
// hidden tab. Without this script the desk shows the rooms as they were when it was loaded.
const EVERY_MS = 5000;
const CONTROLS = "input, button, select, textarea, summary";

document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-refresh]");
  if (!section) return;
  const busy = () => {
    const active = document.activeElement;
    return (
      document.hidden ||
      (section.contains(active) && active.matches(CONTROLS)) ||
      section.querySelector("details[open]") !== null
    );
  };
  setInterval(async () => {
    if (busy()) return;
    try {
      const answer = await fetch(section.dataset.refresh, { credentials: "same-origin" });
      const part = document.createElement("template");
      part.innerHTML = answer.ok ? await answer.text() : "";
      // Only the rooms themselves (a sign-in page, after the desk's session ended, is not put in).
      if (!part.content.querySelector("#rooms") || busy()) return;
      // The heading keeps the focus it had (after an action the desk comes back to it).
      const focused = section.contains(document.activeElement);
      section.replaceChildren(part.content);
      if (focused) section.querySelector("#rooms").focus();
    } catch {
      // The server is away for a moment: the rooms stay as they were shown.
    }
  }, EVERY_MS);
});
