/* safemap's offline map page: draws the tile sets listed in safemap_map.js with Leaflet. It opens from the
 * file system with no network, so it never fetches: colour tiles are <img> tiles, layers and value tiles
 * come as scripts (safemap_layers/TILESET/LAYER.js calls SAFEMAP_LAYER, NAME_values/z/x/y.js calls SAFEMAP_VALUE_TILE
 * with the value tile's PNG in base64, decoded here without a canvas so that every byte stays exact). */
(function () {
  'use strict';
  var MAP = window.SAFEMAP_MAP || {tilesets: []};
  var OPT = window.SAFEMAP_VIEWER || {};
  var PRESENT = window.SAFEMAP_TILES || {};
  var errors = [];

  function report(msg) {
    errors.push(msg);
    var e = document.getElementById('safemap-errors');
    if (e) {
      e.textContent = 'This map could not be drawn completely:\n' + errors.join('\n');
      e.hidden = false;
    }
    if (window.console) console.error('safemap: ' + msg);
  }
  window.addEventListener('error', function (ev) { report(ev.message || String(ev)); });
  window.addEventListener('unhandledrejection', function (ev) { report(String(ev.reason)); });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fmt(v) {
    if (v === null || v === undefined || v === '') return '';
    if (typeof v === 'number') {
      if (!isFinite(v)) return '';
      if (Number.isInteger(v)) return v.toLocaleString('en-GB');
      var a = Math.abs(v);
      return a >= 1000 ? v.toLocaleString('en-GB', {maximumFractionDigits: 1})
                       : Number(v.toPrecision(4)).toString();
    }
    return String(v);
  }

  /* ---- which tiles exist (empty tiles are not written: asking for them would log load errors) ---- */
  function tileDir(template) {
    var i = template.indexOf('/{z}');
    return i > 0 ? template.slice(0, i) : null;
  }
  function present(dir, z, x, y) {
    var t = PRESENT[dir];
    if (!t) return true; /* no index: ask */
    var r = t[z] && t[z][x];
    if (!r) return false;
    for (var i = 0; i < r.length; i += 2) if (y >= r[i] && y <= r[i + 1]) return true;
    return false;
  }
  var IndexedTiles = L.TileLayer.extend({
    createTile: function (coords, done) {
      var z = this._getZoomForUrl();
      if (!present(this.options.smDir, z, coords.x, coords.y)) {
        var t = document.createElement('div');
        setTimeout(function () { done(null, t); }, 0);
        return t;
      }
      return L.TileLayer.prototype.createTile.call(this, coords, done);
    }
  });

  /* ---- styles ---- */
  function classOf(style, v) {
    var cs = style.classes || [];
    if (style.kind === 'categories') {
      if (v === null || v === undefined) return null;
      for (var i = 0; i < cs.length; i++) {
        var c = cs[i];
        if (String(c.value) === String(v) || (typeof v === 'number' && Number(c.value) === v)) return c;
      }
      return null;
    }
    if (style.kind === 'classes' || style.kind === 'ramp') {
      if (typeof v !== 'number' || !isFinite(v) || !cs.length) return null;
      if (v <= cs[0].lower) return style.kind === 'classes' && v === cs[0].lower ? cs[0] : null;
      for (var k = 0; k < cs.length; k++) if (v <= cs[k].upper) return cs[k];
      return cs[cs.length - 1];
    }
    return null;
  }
  function pathStyle(style, geometry, props) {
    var px = Math.max(1, (style.line_width_mm || 0.5) * 3.78);
    var color = style.color || '#3366cc', op = style.opacity === undefined ? 0.8 : style.opacity;
    if (style.kind !== 'single') {
      var c = classOf(style, props[style.field]);
      if (c) color = c.color, op = c.opacity;
      else color = '#888888', op = 0;
      /* no finding (not significant, no pattern): the outline only, so that what lies under it shows */
      if (c && c.neutral && geometry !== 'line' && geometry !== 'point')
        return {color: '#8a8a8a', weight: 0.6, opacity: 0.45, fillColor: color, fillOpacity: 0};
    }
    if (geometry === 'line') return {color: color, opacity: op > 0 ? Math.max(op, 0.6) : 0, weight: Math.max(px, 2)};
    if (geometry === 'point')
      return {radius: 5, color: '#333333', weight: 1, opacity: op > 0 ? 0.9 : 0.3, fillColor: color, fillOpacity: op};
    return {color: op > 0 ? color : '#777777', weight: 1, opacity: op > 0 ? 0.9 : 0.5, fillColor: color, fillOpacity: op};
  }

  function popupOf(name, props, fields, style) {
    var d = el('div', 'sm-popup');
    d.appendChild(el('h4', null, name));
    var t = el('table');
    var keys = fields && fields.length ? fields.map(function (f) { return f.name; }) : Object.keys(props);
    keys.forEach(function (k) {
      var tr = el('tr');
      tr.appendChild(el('td', null, k));
      var v = props[k] === null || props[k] === undefined ? '—' : fmt(props[k]);
      var c = style && style.field === k && style.kind !== 'single' ? classOf(style, props[k]) : null;
      tr.appendChild(el('td', null, c && c.label && c.label !== v ? v + ' (' + c.label + ')' : v));
      t.appendChild(tr);
    });
    d.appendChild(t);
    return d;
  }

  /* ---- the map ---- */
  var map = L.map('map', {zoomSnap: 0.25, attributionControl: true});
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" title="Leaflet, BSD-2-Clause">Leaflet</a>' +
                                   ' | made with safemap');
  var overlays = {}, entries = [], base = {};
  if (OPT.basemap) {
    var b = L.tileLayer(OPT.basemap, {attribution: OPT.basemap_attribution || '', maxZoom: 19});
    b.addTo(map);
    base['Base map'] = b;
  }

  var bounds = null;
  function extend(bb) {
    if (!bb || bb.length !== 4) return;
    var lb = L.latLngBounds([[bb[1], bb[0]], [bb[3], bb[2]]]);
    bounds = bounds ? bounds.extend(lb) : lb;
  }

  var rasters = [], pendingLayers = {};
  (MAP.tilesets || []).forEach(function (ts) {
    extend(ts.bounds);
    if (ts.kind === 'raster') {
      var style = ts.style || {};
      var lb = ts.bounds ? L.latLngBounds([[ts.bounds[1], ts.bounds[0]], [ts.bounds[3], ts.bounds[2]]]) : undefined;
      var layer = new IndexedTiles(ts.tiles, {
        minNativeZoom: ts.minzoom, maxNativeZoom: ts.maxzoom, maxZoom: 22, bounds: lb, smDir: tileDir(ts.tiles),
        className: 'sm-raster'
      });
      var values = typeof ts.values === 'string' ? ts.values
                 : ts.values && typeof ts.values.tiles === 'string' ? ts.values.tiles
                 : ts.values === false || ts.values === null ? null : ts.name + '_values/{z}/{x}/{y}.png';
      if (ts.value_encoding && ts.value_encoding !== 'float32-rgba-be') values = null; /* not one this page reads */
      var label = style.title || ts.description || ts.name;
      overlays[label] = layer;
      layer.addTo(map);
      var entry = {label: label, layer: layer, style: style, geometry: 'surface', ts: ts, values: values,
                   valueZoom: typeof ts.values_zoom === 'number' ? ts.values_zoom
                            : ts.values && ts.values.maxzoom !== undefined ? ts.values.maxzoom : ts.maxzoom};
      entries.push(entry);
      if (values) rasters.push(entry);
    } else if (ts.kind === 'vector') {
      (ts.layers || []).forEach(function (l) {
        var style = l.style || {kind: 'single'};
        var label = style.title && style.kind !== 'single' ? style.title : l.name;
        if (overlays[label]) label = l.name;
        var entry = {label: label, layer: null, style: style, geometry: l.geometry, ts: ts, layerInfo: l, note: l.note};
        entries.push(entry);
        if (!l.geojson) return;
        var group = L.layerGroup();
        entry.layer = group;
        overlays[label] = group;
        group.addTo(map);
        pendingLayers[l.geojson.replace(/^safemap_layers\//, '').replace(/\.js$/, '')] = entry;
        var s = document.createElement('script');
        s.src = l.geojson;
        s.onerror = function () { report('cannot load ' + l.geojson); };
        document.head.appendChild(s);
      });
    }
  });

  window.SAFEMAP_LAYER = function (key, gj) {
    var entry = pendingLayers[key];
    if (!entry) return;
    delete pendingLayers[key];
    var g = L.geoJSON(gj, {
      renderer: L.canvas({padding: 0.5}),
      style: function (f) { return pathStyle(entry.style, entry.geometry, f.properties || {}); },
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, pathStyle(entry.style, 'point', f.properties || {}));
      },
      onEachFeature: function (f, layer) {
        layer.bindPopup(function () { return popupOf(entry.layerInfo.name, f.properties || {}, entry.layerInfo.fields, entry.style); });
      }
    });
    entry.layer.addLayer(g);
    checkReady();
  };

  if (Object.keys(overlays).length || Object.keys(base).length)
    L.control.layers(base, overlays, {collapsed: false, position: 'topright'}).addTo(map);
  L.control.scale({imperial: false}).addTo(map);

  /* ---- title ---- */
  var TitleControl = L.Control.extend({
    options: {position: 'topleft'},
    onAdd: function () {
      var d = el('div', 'sm-panel sm-title', OPT.title || document.title || 'safemap');
      /* how the data was made: the safemap versions of the runs (metadata), else the page's */
      var made = [];
      (MAP.tilesets || []).forEach(function (ts) {
        [ts.metadata].concat((ts.layers || []).map(function (l) { return l.metadata; })).forEach(function (m) {
          var v = m && m.safemap_version;
          if (v && made.indexOf(v) < 0) made.push(v);
        });
      });
      d.appendChild(el('small', null, made.length ? 'Made with safemap ' + made.join(', ') + ' · details: About this map'
                                                  : (OPT.made_by ? 'Page made by ' + OPT.made_by : '')));
      L.DomEvent.disableClickPropagation(d);
      return d;
    }
  });
  new TitleControl().addTo(map);

  /* ---- legend ---- */
  var legendDiv = el('div', 'sm-panel sm-legend');
  var Legend = L.Control.extend({
    options: {position: 'bottomright'},
    onAdd: function () { L.DomEvent.disableScrollPropagation(legendDiv); return legendDiv; }
  });
  function swatch(color, opacity, geometry) {
    var s = el('span', 'sm-swatch' + (geometry === 'line' ? ' sm-line' : geometry === 'point' ? ' sm-point' : ''));
    if (geometry === 'line') s.style.borderTopColor = color;
    else s.style.background = color;
    s.style.opacity = opacity > 0 ? Math.max(opacity, 0.35) : 0.15;
    return s;
  }
  function drawLegend() {
    legendDiv.textContent = '';
    var shown = 0;
    entries.forEach(function (e) {
      if (e.layer && !map.hasLayer(e.layer)) return;
      var st = e.style || {};
      var h = el('h3', null, st.title || e.label);
      if (st.units) {
        h.appendChild(document.createTextNode(' '));
        h.appendChild(el('span', 'sm-units', '(' + st.units + ')'));
      }
      legendDiv.appendChild(h);
      if (e.note) legendDiv.appendChild(el('div', 'sm-note', 'Not drawn here: ' + e.note + '.'));
      var ul = el('ul');
      var cs = st.classes || [];
      if (st.kind === 'single' || !cs.length) {
        var li = el('li');
        li.appendChild(swatch(st.color || '#3366cc', st.opacity === undefined ? 0.8 : st.opacity, e.geometry));
        li.appendChild(el('span', null, e.layerInfo ? e.layerInfo.name : e.label));
        ul.appendChild(li);
      } else {
        var list = e.geometry === 'surface' ? cs.slice().reverse() : cs; /* surfaces: highest first */
        list.forEach(function (c) {
          var li2 = el('li');
          var sw = swatch(c.color, c.opacity, e.geometry === 'surface' ? 'polygon' : e.geometry);
          if (c.neutral && e.geometry !== 'line' && e.geometry !== 'point') { /* drawn as an outline only */
            sw.style.background = 'transparent', sw.style.opacity = 1, sw.style.border = '1px solid #8a8a8a';
          }
          li2.appendChild(sw);
          li2.appendChild(el('span', null, c.label));
          ul.appendChild(li2);
        });
      }
      legendDiv.appendChild(ul);
      shown++;
    });
    legendDiv.style.display = shown ? '' : 'none';
  }
  new Legend().addTo(map);
  map.on('overlayadd overlayremove', drawLegend);
  drawLegend();

  /* ---- the value under the cursor, from the value tiles ---- */
  var readout = el('div', 'sm-panel sm-readout');
  var Readout = L.Control.extend({options: {position: 'bottomleft'}, onAdd: function () { return readout; }});
  if (rasters.length) {
    new Readout().addTo(map);
    readout.textContent = 'Move the pointer over the map to read the values.';
  }

  function bytesOf(b64) {
    var s = atob(b64), a = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a;
  }
  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(stream).arrayBuffer();
  }
  /* A PNG's pixels as RGBA bytes (8-bit greyscale, RGB or RGBA, not interlaced). */
  function decodePng(bytes) {
    var dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getUint32(0) !== 0x89504e47) return Promise.reject(new Error('not a PNG'));
    var pos = 8, w = 0, h = 0, depth = 0, ctype = 0, interlace = 0, parts = [], total = 0;
    while (pos + 8 <= bytes.length) {
      var len = dv.getUint32(pos), type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
      var data = bytes.subarray(pos + 8, pos + 8 + len);
      if (type === 'IHDR') {
        w = dv.getUint32(pos + 8), h = dv.getUint32(pos + 12), depth = bytes[pos + 16], ctype = bytes[pos + 17];
        interlace = bytes[pos + 20];
      } else if (type === 'IDAT') parts.push(data), total += len;
      else if (type === 'IEND') break;
      pos += 12 + len;
    }
    var ch = {0: 1, 2: 3, 4: 2, 6: 4}[ctype];
    if (depth !== 8 || !ch || interlace) return Promise.reject(new Error('value tile PNG of an unexpected kind'));
    var z = new Uint8Array(total), o = 0;
    parts.forEach(function (p) { z.set(p, o); o += p.length; });
    return inflate(z).then(function (buf) {
      var raw = new Uint8Array(buf), stride = w * ch, out = new Uint8Array(w * h * ch), prev = new Uint8Array(stride);
      for (var y = 0; y < h; y++) {
        var f = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
        var cur = out.subarray(y * stride, (y + 1) * stride);
        for (var i = 0; i < stride; i++) {
          var a = i >= ch ? cur[i - ch] : 0, b = prev[i], c = i >= ch ? prev[i - ch] : 0, v = line[i];
          if (f === 1) v += a;
          else if (f === 2) v += b;
          else if (f === 3) v += (a + b) >> 1;
          else if (f === 4) {
            var p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
            v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          }
          cur[i] = v & 255;
        }
        prev = cur;
      }
      if (ch === 4) return {w: w, h: h, rgba: out};
      var rgba = new Uint8Array(w * h * 4);
      for (var k = 0; k < w * h; k++) {
        rgba[4 * k] = out[k * ch], rgba[4 * k + 1] = out[k * ch + (ch >= 3 ? 1 : 0)];
        rgba[4 * k + 2] = out[k * ch + (ch >= 3 ? 2 : 0)], rgba[4 * k + 3] = ch === 4 || ch === 2 ? out[k * ch + ch - 1] : 255;
      }
      return {w: w, h: h, rgba: rgba};
    });
  }

  var tiles = {}; /* key -> {state, png, waiting} */
  window.SAFEMAP_VALUE_TILE = function (key, b64) {
    var t = tiles[key] || (tiles[key] = {state: 'loading', waiting: []});
    decodePng(bytesOf(b64)).then(function (png) {
      t.png = png, t.state = 'ok';
    }, function (err) {
      t.state = 'none';
      report('value tile ' + key + ': ' + err.message);
    }).then(function () {
      var w = t.waiting;
      t.waiting = [];
      w.forEach(function (f) { f(); });
    });
  };
  function valueTile(key, then) {
    var t = tiles[key];
    if (t && t.state !== 'loading') return then(t);
    if (!t) {
      t = tiles[key] = {state: 'loading', waiting: []};
      var s = document.createElement('script');
      s.src = key + '.js';
      s.onerror = function () { t.state = 'none'; var w = t.waiting; t.waiting = []; w.forEach(function (f) { f(); }); };
      document.head.appendChild(s);
    }
    t.waiting.push(function () { then(t); });
  }
  function valueAt(entry, latlng, then) {
    var z = entry.valueZoom, p = map.project(latlng, z);
    var tx = Math.floor(p.x / 256), ty = Math.floor(p.y / 256), n = Math.pow(2, z);
    if (tx < 0 || ty < 0 || tx >= n || ty >= n) return then(null);
    var dir = tileDir(entry.values);
    if (!dir || !present(dir, z, tx, ty)) return then(null);
    var key = entry.values.replace('{z}', z).replace('{x}', tx).replace('{y}', ty).replace(/\.png$/, '');
    valueTile(key, function (t) {
      if (t.state !== 'ok') return then(null);
      var px = Math.min(t.png.w - 1, Math.floor((p.x - tx * 256) * t.png.w / 256));
      var py = Math.min(t.png.h - 1, Math.floor((p.y - ty * 256) * t.png.h / 256));
      var i = (py * t.png.w + px) * 4, d = t.png.rgba;
      var bits = ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;
      var dv = new DataView(new ArrayBuffer(4));
      dv.setUint32(0, bits);
      var v = dv.getFloat32(0);
      then(isNaN(v) ? null : v);
    });
  }
  var seq = 0;
  function showValues(latlng) {
    var mine = ++seq, vis = rasters.filter(function (e) { return map.hasLayer(e.layer); });
    if (!vis.length) { readout.textContent = ''; return; }
    var got = new Array(vis.length), left = vis.length;
    vis.forEach(function (e, k) {
      valueAt(e, latlng, function (v) {
        got[k] = v;
        if (--left || mine !== seq) return;
        readout.textContent = '';
        vis.forEach(function (e2, j) {
          var line = el('div');
          line.appendChild(document.createTextNode((e2.style.title || e2.ts.name) + ': '));
          var b = el('b', null, got[j] === null ? 'no data' : fmt(got[j]) + (e2.style.units ? ' ' + e2.style.units : ''));
          b.setAttribute('data-value', got[j] === null ? '' : String(got[j]));
          b.setAttribute('data-tileset', e2.ts.name);
          line.appendChild(b);
          readout.appendChild(line);
        });
        var cp = map.latLngToContainerPoint(latlng);
        readout.setAttribute('data-at', latlng.lat.toFixed(6) + ',' + latlng.lng.toFixed(6));
        readout.setAttribute('data-px', Math.round(cp.x) + ',' + Math.round(cp.y));
      });
    });
  }
  if (rasters.length) map.on('mousemove', function (ev) { showValues(ev.latlng); });

  /* ---- about this map ---- */
  var About = L.Control.extend({
    options: {position: 'topleft'},
    onAdd: function () {
      var wrap = el('div');
      var btn = el('button', 'sm-about-button', 'About this map');
      btn.type = 'button';
      btn.setAttribute('aria-expanded', 'false');
      var panel = el('div', 'sm-panel sm-about');
      panel.hidden = true;
      function table(obj) {
        var t = el('table');
        Object.keys(obj).forEach(function (k) {
          var tr = el('tr');
          tr.appendChild(el('td', null, k));
          tr.appendChild(el('td', null, typeof obj[k] === 'object' ? JSON.stringify(obj[k]) : obj[k]));
          t.appendChild(tr);
        });
        return t;
      }
      (MAP.tilesets || []).forEach(function (ts) {
        panel.appendChild(el('h3', null, ts.name + (ts.kind === 'vector' ? ' (vector tiles)' : ' (surface tiles)')));
        var info = {'zooms': ts.minzoom + '–' + ts.maxzoom, 'tiles': ts.tiles};
        if (ts.bounds) info.bounds = ts.bounds.map(function (v) { return v.toFixed(5); }).join(', ');
        if (ts.description) info.description = ts.description;
        if (ts.values) info['value tiles'] = typeof ts.values === 'string' ? ts.values : JSON.stringify(ts.values);
        if (ts.value_encoding) info['value encoding'] = ts.value_encoding;
        Object.keys(ts.metadata || {}).forEach(function (k) { info[k] = ts.metadata[k]; });
        panel.appendChild(table(info));
        (ts.layers || []).forEach(function (l) {
          panel.appendChild(el('h3', null, 'Layer ' + l.name + ' (' + l.geometry + ', ' + fmt(l.features) + ' features)'));
          if (l.note) panel.appendChild(el('div', 'sm-note', l.note));
          panel.appendChild(table(l.metadata || {}));
        });
      });
      panel.appendChild(el('p', null, 'Map library: Leaflet (BSD-2-Clause, see safemap_viewer/LICENSE-leaflet.txt).'));
      btn.onclick = function () {
        panel.hidden = !panel.hidden;
        btn.setAttribute('aria-expanded', String(!panel.hidden));
      };
      if (/(^#|&)about\b/.test(location.hash)) btn.onclick(); /* index.html#about opens it */
      wrap.appendChild(btn);
      wrap.appendChild(panel);
      L.DomEvent.disableClickPropagation(wrap);
      L.DomEvent.disableScrollPropagation(wrap);
      return wrap;
    }
  });
  new About().addTo(map);

  /* the data beside the legend (bottom right, at most 300 px wide), not under it, when the window is wide: a
   * fixed margin, so the map is placed the same way whatever has loaded */
  if (bounds) {
    var wide = map.getSize().x >= 900;
    map.fitBounds(bounds, wide ? {paddingTopLeft: [20, 20], paddingBottomRight: [340, 20]} : {padding: [20, 20]});
  }
  else map.setView([51.5, -0.12], 11);

  /* ready when every layer script has arrived; a "#probe=lat,lng" address reads the values there (tests, links) */
  var readyDone = false;
  function checkReady() {
    if (readyDone || Object.keys(pendingLayers).length) return;
    readyDone = true;
    document.body.setAttribute('data-ready', '1');
    document.body.setAttribute('data-viewport', window.innerWidth + 'x' + window.innerHeight);
    var m = /(?:^#|&)probe=(-?[\d.]+),(-?[\d.]+)/.exec(location.hash);
    if (m && rasters.length) showValues(L.latLng(parseFloat(m[1]), parseFloat(m[2])));
  }
  checkReady();
})();
