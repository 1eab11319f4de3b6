// The desk's team rooms, live-ish: every few seconds the section is fetched again from the
// server (the same template, GET /moderate/w/ID/rooms) and put in place of the old one, so the
// teacher sees who is in each room and how busy it is without reloading the desk. Not while the
// teacher is using the section (focus inside it, or a list opened), nor in a hidden tab. Without
// this script the desk shows the rooms as they were when it was loaded.
const EVERY_MS = 5000;

document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-refresh]");
  if (!section) return;
  const busy = () =>
    document.hidden || section.contains(document.activeElement) || section.querySelector("details[open]");
  setInterval(async () => {
    if (busy()) return;
    try {
      const answer = await fetch(section.dataset.refresh, { credentials: "same-origin" });
      const part = document.createElement("template");
      part.innerHTML = answer.ok ? await answer.text() : "";
      // Only the rooms themselves (a sign-in page, after the desk's session ended, is not put in).
      if (part.content.querySelector("#rooms") && !busy()) section.replaceChildren(part.content);
    } catch {
      // The server is away for a moment: the rooms stay as they were shown.
    }
  }, EVERY_MS);
});
