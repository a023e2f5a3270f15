// Inline checks while typing; the server checks everything again when the form is saved.
document.addEventListener("input", function (event) {
  var input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.valueType) { return; }
  var text = input.value.replace(/,/g, "").trim();
  var message = "";
  if (text !== "" && input.dataset.valueType !== "text") {
    var number = Number(text);
    var language = document.documentElement.lang;
    if (!isFinite(number)) {
      message = language === "en" ? "Not a number" : "不是数字";
    } else if (input.dataset.valueType === "integer" && !Number.isInteger(number)) {
      message = language === "en" ? "Must be a whole number" : "须为整数";
    } else if (input.dataset.valueType === "percentage" && (number < 0 || number > 100)) {
      message = language === "en" ? "Between 0 and 100" : "应在 0 到 100 之间";
    }
  }
  input.setCustomValidity(message);
  var slot = input.parentElement.querySelector(".field-error");
  if (slot) { slot.textContent = message; }
});
