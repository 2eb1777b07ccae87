// A page at a phone's width (375 px): does it scroll sideways, what sticks out of the
// screen (outside a box that scrolls or clips it, such as mdBook's .table-wrapper or a
// <pre>), and which puzzle is wider than the screen. Evaluated by src/lib.rs; plain data.
(async () => {
  const short = (text, n = 50) => {
    const s = (text || '').replace(/\s+/g, ' ').trim();
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  };
  if (document.fonts) await document.fonts.ready;
  const width = document.documentElement.clientWidth;
  const describe = e => {
    if (e.localName === 'table') {
      const row = e.querySelector('tr');
      return `table with first row \`${short(row ? row.textContent : '')}\``;
    }
    if (e.localName === 'pre') {
      return `code block starting \`${short((e.textContent || '').split('\n')[0])}\``;
    }
    const name = '<' + e.localName + (e.id ? '#' + e.id : '')
      + (e.classList.length ? '.' + [...e.classList].join('.') : '') + '>';
    return e.localName === 'img'
      ? `${name} \`${e.getAttribute('src') || ''}\``
      : `${name} \`${short(e.textContent)}\``;
  };
  const out = [];
  const main = document.querySelector('main');
  if (main) {
    const found = [];
    for (const e of main.querySelectorAll('*')) {
      const r = e.getBoundingClientRect();
      if (r.width < 1 || (r.right <= width + 1 && r.left >= -1)) continue;
      if (found.some(f => f.contains(e))) continue;
      let inside = false;
      for (let a = e.parentElement; a && a !== main; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') { inside = true; break; }
      }
      if (inside) continue;
      found.push(e);
      // A puzzle wider than the screen has its own message.
      if (e.closest('div.puzzle[data-puzzle]')) continue;
      out.push({ what: describe(e), right: Math.round(r.right), left: Math.round(r.left) });
      if (out.length >= 5) break;
    }
  }
  const puzzles = [...document.querySelectorAll('div.puzzle[data-puzzle]')]
    .filter(d => d.scrollWidth > d.clientWidth + 1
              || d.getBoundingClientRect().right > width + 1
              || d.getBoundingClientRect().left < -1)
    .map(d => [d.getAttribute('data-puzzle'),
               Math.max(d.scrollWidth, Math.round(d.getBoundingClientRect().width))]);
  return { width, scroll: document.documentElement.scrollWidth, out, puzzles };
})()
