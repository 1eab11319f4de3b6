// A little progressive enhancement; every page works without it.
// After a vote or rating the page comes back at the design's card: give it the focus there,
// so keyboard and screen-reader users continue where they were.
document.addEventListener("DOMContentLoaded", () => {
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target) {
    target.setAttribute("tabindex", "-1");
    target.focus();
  }
});
