// Drives the offline map page in Chromium (playwright-core): the value under the pointer after a real mouse
// move, a popup listing a feature's fields after a click, a layer hidden with the switcher leaving the legend.
// usage: node hover.js CHROMIUM PAGE_URL LAT LON VALUE
'use strict';
const {chromium} = require('playwright-core');
const [exe, url, lat, lon, want] = process.argv.slice(2);

function check(ok, what) {
  if (!ok) throw new Error(what);
  console.log('ok: ' + what);
}

(async () => {
  const browser = await chromium.launch({executablePath: exe, args: ['--no-sandbox', '--disable-gpu',
                                         '--proxy-server=127.0.0.1:9']});
  const page = await browser.newPage({viewport: {width: 1024, height: 768}});
  const logged = [];
  page.on('console', (m) => logged.push(m.type() + ': ' + m.text()));
  page.on('pageerror', (e) => logged.push('pageerror: ' + e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]');
  await page.waitForTimeout(300);

  // the value under the pointer: where the probe point is on the screen (the page tells), then a real move there
  const probe = await browser.newPage({viewport: {width: 1024, height: 768}});
  await probe.goto(url + '#probe=' + lat + ',' + lon);
  await probe.waitForSelector('.sm-readout[data-px]');
  const px = (await probe.getAttribute('.sm-readout', 'data-px')).split(',').map(Number);
  await probe.close();
  await page.mouse.move(px[0] - 40, px[1] - 40);
  await page.mouse.move(px[0], px[1], {steps: 4});
  await page.waitForFunction((p) => {
    const r = document.querySelector('.sm-readout');
    return r && r.getAttribute('data-px') === p;
  }, px.join(','));
  const got = Number(await page.getAttribute('.sm-readout b', 'data-value'));
  /* the pointer is on a whole screen pixel, a few metres from the probe point: the surface's value there is
     within 1% of the probe's (the exact value at the probe point: test_viewer.sh) */
  check(Math.abs(got - Number(want)) <= 0.01 * Math.abs(Number(want)), `value under the pointer ${got} ~ ${want}`);
  const text = await page.textContent('.sm-readout');
  check(/crimes per km²/.test(text), 'the readout has the units: ' + text.trim());

  // a popup with the fields of a Gi* cell: click the reddest pixel of the cells
  const hit = await page.evaluate(() => {
    for (const c of document.querySelectorAll('.leaflet-overlay-pane canvas')) {
      const ctx = c.getContext('2d'), r = c.getBoundingClientRect();
      const d = ctx.getImageData(0, 0, c.width, c.height).data, sx = c.width / r.width;
      for (let y = 0; y < c.height; y += 2)
        for (let x = 0; x < c.width; x += 2) {
          const i = 4 * (y * c.width + x);
          if (d[i] > 200 && d[i + 1] < 80 && d[i + 2] < 80 && d[i + 3] > 200) return {x: r.left + x / sx, y: r.top + y / sx};
        }
    }
    return null;
  });
  check(hit !== null, 'a hot spot cell is on the map');
  await page.mouse.click(hit.x + 3, hit.y + 3);
  await page.waitForSelector('.leaflet-popup-content .sm-popup');
  const popup = await page.textContent('.leaflet-popup-content');
  check(/gi_bin/.test(popup) && /z_score/.test(popup) && /3 \(Hot spot, 99% confidence\)/.test(popup),
        'the popup lists the fields, the class by its label: ' + popup.replace(/\s+/g, ' '));

  // the layer switcher hides a layer and its legend
  const before = await page.textContent('.sm-legend');
  check(/Hot spot, 99% confidence/.test(before), 'the legend has the Gi* classes');
  await page.click('.leaflet-control-layers label:has-text("Gi* hot and cold spots") input');
  const after = await page.textContent('.sm-legend');
  check(!/Hot spot, 99% confidence/.test(after), 'hidden with the switcher, the layer leaves the legend');

  check(logged.length === 0, 'nothing logged' + (logged.length ? ': ' + logged.join('; ') : ''));
  await browser.close();
})().catch((e) => {
  console.error('FAIL: ' + e.message);
  process.exit(1);
});
