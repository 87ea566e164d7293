// Buttons that tick many checkboxes at once, without inline script (the CSP forbids it):
// <button type="button" data-check="all|none|online" data-boxes="CSS selector">.
// "online" ticks only the boxes marked data-online and clears the others.
document.querySelectorAll("button[data-check]").forEach((button) => {
  button.addEventListener("click", () => {
    const mode = button.dataset.check;
    document.querySelectorAll(button.dataset.boxes).forEach((box) => {
      box.checked = mode === "all" || (mode === "online" && box.hasAttribute("data-online"));
    });
  });
});
