// What the check reads from a page once it has loaded (scripts have run, so the sidebar
// that mdBook 0.5 builds in JS is there). Evaluated by src/lib.rs; returns plain data.
(async () => {
  const short = (text, n = 70) => {
    const s = (text || '').replace(/\s+/g, ' ').trim();
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  };
  if (document.fonts) await document.fonts.ready;
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));

  const images = [];
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) {
      images.push({ src: img.getAttribute('src') || '', url: img.src, alt: short(img.alt, 50) });
    }
  }
  const embeds = [];
  for (const el of document.querySelectorAll('object[data], embed[src]')) {
    const src = el.getAttribute(el.localName === 'object' ? 'data' : 'src');
    embeds.push({ tag: el.localName, src, url: new URL(src, document.baseURI).href });
  }
  const svgImages = [...document.images]
    .filter(img => /\.svg([?#]|$)/i.test(img.getAttribute('src') || ''))
    .map(img => img.getAttribute('src'));

  const links = [...document.querySelectorAll('a[href]')].map(a => ({
    href: a.getAttribute('href'),
    url: a.href,
    text: short(a.textContent, 40),
    sidebar: !!a.closest('#mdbook-sidebar'),
  }));
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id)
    .concat([...document.querySelectorAll('a[name]')].map(a => a.getAttribute('name')));
  const sidebar = document.getElementById('mdbook-sidebar')
    ? document.querySelectorAll('#mdbook-sidebar a[href]').length
    : null;

  const pres = [];
  for (const pre of document.querySelectorAll('pre')) {
    const code = pre.querySelector(':scope > code');
    const clipped = [pre, code].filter(Boolean).find(e => e.scrollWidth > e.clientWidth + 1);
    if (clipped) {
      const line = (pre.textContent || '').split('\n')
        .reduce((a, b) => (b.length > a.length ? b : a), '');
      pres.push({
        first: short((pre.textContent || '').split('\n')[0], 50),
        longest: short(line, 60),
        scroll: clipped.scrollWidth,
        client: clipped.clientWidth,
      });
    }
  }
  const tables = [];
  const main = document.querySelector('main');
  let column = null;
  if (main) {
    const style = getComputedStyle(main);
    const box = main.getBoundingClientRect();
    const left = box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
    const right = box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
    column = right - left;
    for (const table of main.querySelectorAll('table')) {
      if (!table.getClientRects().length) continue; // not rendered: hidden text, not width
      const r = table.getBoundingClientRect();
      if (r.width > column + 1 || r.left < left - 1 || r.right > right + 1) {
        const row = table.querySelector('tr');
        tables.push({ header: short(row ? row.textContent : '', 60), width: Math.round(r.width) });
      }
    }
  }
  const puzzleDivs = [...document.querySelectorAll('div.puzzle[data-puzzle]')]
    .map(d => d.getAttribute('data-puzzle'));
  let puzzleIds = null;
  try {
    if (window.coursePuzzles) puzzleIds = window.coursePuzzles.ids();
  } catch (e) {
    puzzleIds = 'coursePuzzles.ids() threw ' + e;
  }
  // How much of main's text a reader is shown: every text node's characters (not counting
  // white space), left out of both counts inside <script> (a puzzle's JSON), <style>,
  // <template>, <noscript> and <details> (answers are closed on purpose); shown when its
  // element is rendered and visible, as innerText counts. The largest hidden element is
  // named.
  let text = null;
  if (main) {
    let total = 0, shown = 0;
    const rendered = new Map();
    const hidden = new Map();
    const isShown = e => {
      if (!rendered.has(e)) {
        rendered.set(e, e.getClientRects().length > 0 && getComputedStyle(e).visibility === 'visible');
      }
      return rendered.get(e);
    };
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const n = node.data.replace(/\s+/g, '').length;
      const parent = node.parentElement;
      if (!n || !parent || parent.closest('script, style, template, noscript, details')) continue;
      total += n;
      if (isShown(parent)) {
        shown += n;
        continue;
      }
      // The outermost element of main that is not shown holds this text.
      let top = parent;
      while (top.parentElement && top.parentElement !== main && !isShown(top.parentElement)) {
        top = top.parentElement;
      }
      hidden.set(top, (hidden.get(top) || 0) + n);
    }
    let largest = null;
    for (const [e, n] of hidden) if (!largest || n > largest[1]) largest = [e, n];
    const name = e => '<' + e.localName + (e.id ? '#' + e.id : '')
      + (e.classList.length ? '.' + [...e.classList].join('.') : '')
      + (e.getAttribute('style') ? ` style="${short(e.getAttribute('style'), 40)}"` : '') + '>';
    text = {
      total, shown,
      hidden: largest && {
        element: name(largest[0]), chars: largest[1], starts: short(largest[0].textContent, 50),
      },
    };
  }
  // For the search: the first paragraphs of the page's text, and every heading and title
  // (a word of the body text that is in none of them shows whether the body is indexed).
  const paragraphs = main
    ? [...main.querySelectorAll('p')]
      .filter(p => !p.closest('details, div.puzzle, table, blockquote, li'))
      .map(p => p.textContent.replace(/\s+/g, ' ').trim())
      .filter(Boolean)
      .slice(0, 3)
    : [];
  const headings = [document.title]
    .concat([...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => h.textContent))
    .concat(document.getElementById('mdbook-sidebar')
      ? [document.getElementById('mdbook-sidebar').textContent] : [])
    .join(' ').replace(/\s+/g, ' ');
  return {
    paragraphs, headings, text,
    title: document.title, images, embeds, svgImages, links, ids, sidebar, pres, tables,
    column: column === null ? null : Math.round(column), puzzleDivs, puzzleIds,
  };
})()
