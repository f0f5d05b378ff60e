// Runs before the first paint (a classic script in <head>; the CSP allows no inline script).
(function () {
  var t = null;
  try { t = localStorage.getItem('orch.theme'); } catch (e) { /* storage blocked */ }
  var dark = t === 'dark' || (t !== 'light' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}());
