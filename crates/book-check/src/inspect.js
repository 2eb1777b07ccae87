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
    paragraphs, headings,
    title: document.title, images, embeds, svgImages, links, ids, sidebar, pres, tables,
    column: column === null ? null : Math.round(column), puzzleDivs, puzzleIds,
  };
})()
