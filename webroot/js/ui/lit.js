// lit-html from its WebJar: templates that escape what they interpolate and update the DOM in place.
export { html, svg, render, nothing } from '/webjars/lit-html/3.3.1/lit-html.js';
export { repeat } from '/webjars/lit-html/3.3.1/directives/repeat.js';
export { classMap } from '/webjars/lit-html/3.3.1/directives/class-map.js';
export { live } from '/webjars/lit-html/3.3.1/directives/live.js';
export { unsafeHTML } from '/webjars/lit-html/3.3.1/directives/unsafe-html.js';
export { ref, createRef } from '/webjars/lit-html/3.3.1/directives/ref.js';
