/* The demo's images: uploaded as restricted chatfiles with the user
 * token, sent as img bodies, shown as the server's thumbnail and in full
 * in a dialog. A part of /demo (demo.js holds the shared state). */
(function (d) {
  'use strict';
  var $ = d.$;

  var MAX_IMAGE_BYTES = 10 * 1024 * 1024; // the server's default rest.max_file_bytes

  // The files need their share-secret in a header, which an <img> cannot
  // send: they are fetched and shown from blob URLs, one fetch per file.
  var blobs = new Map(); // url + (thumb) -> Promise of an object URL
  function fileUrl(body, thumb) {
    var k = body.url + (thumb ? '#thumb' : '');
    if (!blobs.has(k)) {
      var headers = {};
      if (body.secret) headers['share-secret'] = body.secret;
      if (thumb) headers.thumbnail = 'true';
      blobs.set(k, fetch(body.url, { headers: headers }).then(function (res) {
        if (!res.ok) throw new Error('the server answered ' + res.status);
        return res.blob();
      }).then(function (blob) { return URL.createObjectURL(blob); })
        .catch(function (e) { blobs.delete(k); throw e; }));
    }
    return blobs.get(k);
  }
  d.thumbnail = function (m) {
    var b = m.body, name = b.filename || 'image';
    var img = d.el('img', { alt: 'Image ' + name + ' from ' + m.from });
    fileUrl(b, true).then(function (u) { img.src = u; }, function (e) { img.alt = 'Image ' + name + ' (cannot load: ' + e.message + ')'; });
    return d.el('button', { type: 'button', class: 'thumb', 'aria-label': 'Open image ' + name,
      onclick: function () { openViewer(m); } }, [img]);
  };
  function openViewer(m) {
    var b = m.body;
    $('viewer-title').textContent = (b.filename || 'Image') + ' from ' + m.from;
    $('viewer-img').alt = b.filename || 'image';
    $('viewer-img').removeAttribute('src');
    $('viewer').showModal();
    fileUrl(b, false).then(function (u) { $('viewer-img').src = u; }, function (e) { $('viewer').close(); d.fail('Cannot open the image', { message: e.message }); });
  }
  $('viewer-close').addEventListener('click', function () { $('viewer').close(); });

  function imageSize(file) {
    return new Promise(function (resolve) {
      var u = URL.createObjectURL(file), probe = new Image();
      probe.onload = function () { resolve({ width: probe.naturalWidth, height: probe.naturalHeight }); URL.revokeObjectURL(u); };
      probe.onerror = function () { resolve(null); URL.revokeObjectURL(u); };
      probe.src = u;
    });
  }

  $('image-file').addEventListener('change', function () {
    var input = $('image-file'), file = input.files && input.files[0];
    input.value = '';
    if (!file || !d.current) return;
    if (!/^image\//.test(file.type)) return d.fail('Image not sent', { message: file.name + ' is not an image.' });
    if (file.size > MAX_IMAGE_BYTES) return d.fail('Image not sent', { message: file.name + ' is larger than 10 MiB.' });
    var c = d.convs.get(d.current), key = d.current, v = d.views.get(d.current);
    var local = { pending: true, uploading: true, chat: c.chat, from: d.me, to: c.with, ts: Date.now(), msg_id: '',
      body: { type: 'img', filename: file.name } };
    var pendingKey = 'pending:' + Math.random().toString(36).slice(2);
    v.messages.set(pendingKey, local);
    d.renderMessages(true);
    var parts = d.session.appkey.split('#');
    var base = location.origin + '/' + encodeURIComponent(parts[0]) + '/' + encodeURIComponent(parts[1]);
    var form = new FormData();
    form.append('file', file, file.name);
    Promise.all([imageSize(file), fetch(base + '/chatfiles', { method: 'POST', body: form,
      headers: { Authorization: 'Bearer ' + d.session.token, 'restrict-access': 'true' } }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (j) {
        if (!res.ok) throw { code: res.status, serverMessage: j.error_description || j.error || res.statusText, message: 'upload failed' };
        return j.entities[0];
      });
    })]).then(function (done) {
      var size = done[0], f = done[1];
      var body = { type: 'img', url: base + '/chatfiles/' + f.uuid, secret: f['share-secret'], filename: file.name, file_length: file.size };
      if (size) body.size = size;
      v.messages.delete(pendingKey);
      d.deliverOwn(key, c, v, body);
    }).catch(function (e) {
      local.failed = e.code === 413 ? 'too large' : d.explain(e);
      if (key === d.current) d.renderMessages();
      d.fail('Image not sent', e);
    });
  });

})(window.imcloudDemo);
