// The smallest text of each SVG shown with <img> on this page, in CSS pixels on screen:
// each <text>/<tspan> with text of its own, at its font-size (its own attribute or style, else the
// nearest ancestor's, default 16), scaled by the width the <img> is shown at over the
// viewBox's width (or the width attribute). Evaluated by src/lib.rs over HTTP (it fetches
// the files); returns plain data.
(async () => {
  const short = (text, n = 40) => {
    const s = (text || '').replace(/\s+/g, ' ').trim();
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  };
  const own = e => {
    const style = /(?:^|;)\s*font-size\s*:\s*([^;]+)/i.exec(e.getAttribute('style') || '');
    return style ? style[1].trim() : e.getAttribute('font-size');
  };
  // A font-size value in user units, relative to the parent's size.
  const resolve = (value, parent) => {
    const m = /^([0-9]*\.?[0-9]+)\s*(px|pt|em|rem|%)?$/i.exec((value || '').trim());
    if (!m) return parent;
    const n = parseFloat(m[1]);
    switch ((m[2] || 'px').toLowerCase()) {
      case 'pt': return n * 4 / 3;
      case 'em': return n * parent;
      case 'rem': return n * 16;
      case '%': return n / 100 * parent;
      default: return n;
    }
  };
  const files = new Map();
  const load = url => {
    if (!files.has(url)) {
      files.set(url, fetch(url)
        .then(r => (r.ok ? r.text() : null))
        .then(t => (t === null ? null : new DOMParser().parseFromString(t, 'image/svg+xml')))
        .catch(() => null));
    }
    return files.get(url);
  };
  const out = [];
  for (const img of document.images) {
    if (!/\.svg([?#]|$)/i.test(img.getAttribute('src') || '')) continue;
    const box = img.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue; // not shown (mdBook's copy for its zoom)
    const doc = await load(img.src);
    // A file that did not load or parse is a problem of its own, found elsewhere.
    if (!doc || doc.querySelector('parsererror') || doc.documentElement.localName !== 'svg') continue;
    const svg = doc.documentElement;
    const view = (svg.getAttribute('viewBox') || '').trim().split(/[\s,]+/).map(Number);
    const width = parseFloat(svg.getAttribute('width'));
    let across, scale;
    if (view.length === 4 && view[2] > 0 && view[3] > 0) {
      across = `a viewBox ${view[2]} wide`;
      scale = Math.min(box.width / view[2], box.height / view[3]);
    } else if (width > 0) {
      across = `width="${svg.getAttribute('width')}"`;
      scale = box.width / width;
    } else {
      across = 'no viewBox or width';
      scale = 1;
    }
    let smallest = null;
    for (const text of doc.querySelectorAll('text, tspan')) {
      // Its own text: a <text> whose words are all in <tspan>s has the tspans' size.
      const own_text = [...text.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
      if (!own_text.trim()) continue;
      const chain = [];
      for (let e = text; e && e.nodeType === 1; e = e.parentNode) chain.unshift(e);
      let size = 16;
      for (const e of chain) size = resolve(own(e), size);
      if (!smallest || size < smallest.font) smallest = { font: size, text: short(own_text) };
    }
    if (!smallest) continue;
    out.push({
      src: img.getAttribute('src'), url: img.src, shown: Math.round(box.width), across,
      font: Math.round(smallest.font * 100) / 100, text: smallest.text,
      px: Math.round(smallest.font * scale * 10) / 10,
    });
  }
  return out;
})()
