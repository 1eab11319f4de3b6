// The compare view's keys for the teacher at the projector: ← and → follow the previous and
// next links, 2, 3 and 4 the links that set how many designs stand side by side. The links
// themselves work without this script (and with a mouse or a finger).
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (event.target.closest && event.target.closest("input, select, textarea")) return;
  const ids = {
    ArrowLeft: "compare-previous",
    ArrowRight: "compare-next",
    2: "compare-size-2",
    3: "compare-size-3",
    4: "compare-size-4",
  };
  const link = ids[event.key] && document.getElementById(ids[event.key]);
  if (link) {
    event.preventDefault();
    location.assign(link.href);
  }
});
