// The NHS.UK frontend's page template sets these classes with an inline script; caretrust's
// Content-Security-Policy allows no inline script (ADR 45), so the same line lives here and is
// loaded synchronously as the first element of <body>, before anything is painted.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
