// «Аналитика»: typing a date chooses «Свой период»; choosing a preset clears the dates.
document.addEventListener("change", (event) => {
  const form = event.target.closest("#analytics-filter");
  if (!form) return;
  if (event.target.type === "date") {
    const custom = form.querySelector('input[name="period"][value="custom"]');
    if (custom) custom.checked = true;
  } else if (event.target.name === "period" && event.target.value !== "custom") {
    form.querySelectorAll('input[type="date"]').forEach((input) => { input.value = ""; });
  }
}, true);
