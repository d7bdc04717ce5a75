// WCAG 2.1 contrast of every piece of text in sight, from the computed styles: the text's colour against
// the first opaque background behind it (translucent ones blended in). Returns the pairs under the
// minimum (4.5:1, or 3:1 for large text: 24px, or 18.66px bold) with where they are, and how many were
// measured. Placeholders count as text; disabled controls are exempt, as WCAG says.
const parse = (c) => {
  const m = c.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
  return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
};
const blend = (top, under) => ({
  r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
  b: top.b * top.a + under.b * (1 - top.a), a: 1,
});
const lum = (c) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
};
const ratio = (a, b) => { const x = lum(a); const y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
function background(el) {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
  }
  let bg = parse(getComputedStyle(document.documentElement).backgroundColor);
  if (!bg || bg.a < 1) bg = matchMedia('(prefers-color-scheme: dark)').matches && getComputedStyle(document.documentElement).colorScheme.includes('dark')
    ? { r: 18, g: 18, b: 18, a: 1 } : { r: 255, g: 255, b: 255, a: 1 };
  for (let i = layers.length - 1; i >= 0; i--) bg = blend(layers[i], bg);
  return bg;
}
function where(el) {
  const id = el.closest('[data-testid]');
  return `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`
    + `${id ? ` in ${id.dataset.testid}` : ''}`;
}
const failures = [];
let measured = 0;
function check(el, colour, text, pseudo) {
  const cs = getComputedStyle(el, pseudo);
  const fg = parse(colour);
  if (!fg) return;
  const bg = background(el);
  const size = parseFloat(cs.fontSize);
  const bold = Number(cs.fontWeight) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  const need = large ? 3 : 4.5;
  const r = ratio(blend(fg, bg), bg);
  measured++;
  if (r < need - 0.005) failures.push(`${r.toFixed(2)}:1 (needs ${need}) ${where(el)} "${text.slice(0, 40)}"`);
}
const visible = (el) => {
  const rect = el.getBoundingClientRect();
  if (rect.width === 0 || rect.height === 0) return false;
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden' || Number(s.opacity) === 0) return false;
  }
  // text clipped to 1px for screen readers only is not seen
  return !(rect.width <= 1 && rect.height <= 1);
};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const text = n.textContent.trim();
  if (!text) continue;
  const el = n.parentElement;
  if (!el || !visible(el) || el.closest('[disabled], .sr-only, svg')) continue;
  check(el, getComputedStyle(el).color, text, null);
}
for (const input of document.querySelectorAll('input[placeholder]')) {
  if (!visible(input) || input.value || input.disabled) continue;
  check(input, getComputedStyle(input, '::placeholder').color, input.placeholder, '::placeholder');
}
return { measured, failures };
