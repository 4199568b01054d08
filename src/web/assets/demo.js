/* The imcloud chat demo: a page on imcloud.js (served at /demo). It signs
 * in with a user token (REST password grant), lists conversations with
 * unread counts, shows 1:1 and group chats with history paging, delivery
 * and read marks and recall, handles friend requests, and catches up by
 * sync after a reconnect. The session (token, device, sync cursors) is
 * kept in sessionStorage, so a reload stays signed in. */
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var HISTORY_PAGE = 20;
  var SESSION = 'imcloud-demo:session';

  var client = null, me = null, session = null;
  var MAX_IMAGE_BYTES = 10 * 1024 * 1024; // the server's default rest.max_file_bytes
  var convs = new Map();      // "single:bob" / "group:42" -> conversation
  var views = new Map();      // same key -> {messages: Map(id -> msg), more, loaded}
  var groupNames = new Map(); // group or room id -> name
  var current = null;         // the open conversation's key
  var contacts = { users: [], requests: [] };
  var deliveredDue = new Map(); // peer -> newest msg id to acknowledge
  var presence = new Map();     // contact -> online (any device with a status but "0")
  var editing = null;           // the own message the compose box edits

  // ---- errors, said plainly ----
  var REASONS = {
    100: 'That app key does not exist on this server.',
    202: 'Wrong user name or password (or the session expired: sign in again).',
    204: 'There is no such user.',
    207: 'This user is deactivated.',
    210: 'Not allowed (the other user may have blocked you).',
    215: 'You are muted here.',
    221: 'You can only message your contacts: the app\'s friend check is on.',
    222: 'A contact limit was reached.',
    302: 'The server is busy; try again in a moment.',
    504: 'Too late to recall: the app\'s recall window has passed.',
    505: 'Recall is switched off for this app.',
    506: 'That message no longer exists.',
    507: 'Only the owner and admins may speak here right now.',
    509: 'You are sending too fast; wait a moment.',
    510: 'The message is too long.',
    602: 'You are not a member of this group.',
  };
  function explain(e) {
    if (!e) return 'Something went wrong.';
    if (e instanceof TypeError) return 'Cannot reach the server (' + e.message + ').';
    if (e.code === -1) return 'No connection to the server right now.';
    if (e.code === 301) return 'The server did not answer in time.';
    var reason = REASONS[e.code];
    var detail = e.serverMessage ? ' (' + e.serverMessage + ', code ' + e.code + ')' : (e.code ? ' (code ' + e.code + ')' : '');
    return (reason || e.serverMessage || e.message || 'Something went wrong.') + (reason ? detail : '');
  }
  var noticeTimer = null;
  function notice(text) {
    $('notice').textContent = text;
    $('notice').hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { $('notice').hidden = true; }, 10000);
  }
  function fail(what, e) {
    $('alert-text').textContent = what + ': ' + explain(e);
    $('alert').hidden = false;
  }
  $('alert-close').addEventListener('click', function () { $('alert').hidden = true; });

  // ---- helpers ----
  function keyOf(chat, peer) { return chat + ':' + peer; }
  function peerOfMessage(m) { return m.chat !== 'single' ? m.to : (m.from === me ? m.to : m.from); }
  function keyOfMessage(m) { return keyOf(m.chat, peerOfMessage(m)); }
  function displayName(c) {
    if (c.chat === 'single') return c.with;
    var kind = c.chat === 'group' ? 'Group ' : 'Room ';
    return (groupNames.get(c.chat + ':' + c.with) || kind + c.with) + (c.chat === 'chatroom' ? ' (room)' : '');
  }
  function preview(m) {
    if (!m) return '';
    var b = m.body || {};
    var text = b.type === 'txt' ? b.msg : (b.type === 'img' ? 'Image' : '[' + (b.type || 'message') + ']');
    return (m.from === me ? 'You: ' : (m.chat !== 'single' ? m.from + ': ' : '')) + text;
  }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else if (k.indexOf('on') === 0) e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function byId(a, b) { return a === b ? 0 : (Imcloud.idAfter(a, b) ? 1 : -1); }
  function time(ts) { return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); }
  function conv(chat, peer) {
    var k = keyOf(chat, peer);
    if (!convs.has(k)) {
      convs.set(k, { chat: chat, with: peer, last: null, unread: 0, ts: 0, peer_read: '0', peer_delivered: '0' });
      if (chat !== 'single') nameGroup(chat, peer);
    }
    return convs.get(k);
  }
  function nameGroup(chat, id) {
    var k = chat + ':' + id;
    if (groupNames.has(k) || !client) return;
    groupNames.set(k, null);
    (chat === 'group' ? client.groupInfo(id).then(function (r) { return r.group.name; })
      : client.chatroomInfo(id).then(function (r) { return r.chatroom.name; })).then(function (name) {
      if (name) groupNames.set(k, name);
      renderConversations(); renderChatHead();
    }, function () { /* a name is a nicety; the id stands in */ });
  }

  // ---- signing in and out ----
  $('login').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var appkey = $('appkey').value.trim(), user = $('user').value.trim(), password = $('password').value;
    if (!/^[^#]+#[^#]+$/.test(appkey)) return fail('Cannot sign in', { message: 'The app key must look like org#app.' });
    if (!user || !password) return fail('Cannot sign in', { message: 'Enter a user name and a password.' });
    $('login-submit').disabled = true;
    $('status').textContent = 'Signing in…';
    Imcloud.fetchToken(location.origin, appkey, user, password).then(function (t) {
      var session = { appkey: appkey, user: user, token: t.access_token };
      sessionStorage.setItem(SESSION, JSON.stringify(session));
      return start(session);
    }).catch(function (e) {
      $('status').textContent = 'Not signed in';
      var code = e.code === 404 ? 100 : (e.code === 400 || e.code === 401 ? 202 : e.code);
      fail('Cannot sign in', code ? { code: code, serverMessage: e.serverMessage } : e);
    }).then(function () { $('login-submit').disabled = false; });
  });

  $('logout').addEventListener('click', function () { signOut('Signed out'); });

  function signOut(why) {
    sessionStorage.removeItem(SESSION);
    var c = client;
    client = null; me = null; current = null;
    if (c) c.close('signed out');
    convs.clear(); views.clear(); presence.clear();
    if (editing) stopEdit();
    $('chat-view').hidden = true; $('login-view').hidden = false; $('logout').hidden = true;
    $('status').textContent = why || 'Not signed in';
    document.body.classList.remove('chat-open');
  }

  function start(saved) {
    session = saved;
    client = new Imcloud.Client({ url: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws',
      token: session.token, appkey: session.appkey, user: session.user, storage: sessionStorage });
    client.on('state', onState);
    client.on('message', onMessage);
    client.on('recall', onRecall);
    client.on('receipt', onReceipt);
    client.on('edit', function (p) { onMessage(p.msg, { live: true, edit: true }); });
    client.on('contact', onContact);
    client.on('event', function () { refreshConversations(); });
    client.on('synced', function () {
      // How many catch-ups finished: tests wait on it.
      document.body.dataset.syncs = String(Number(document.body.dataset.syncs || 0) + 1);
      refreshConversations(); flushDelivered();
      // Presence pushes missed while away: read the current state.
      var followed = Array.from(presence.keys()).slice(0, 100);
      if (followed.length) client.presenceGet(followed).then(showPresence, function () { /* the dots stay as they were */ });
    });
    client.on('presence', function (p) { presence.set(p.user, isOnline(p)); renderContacts(); renderConversations(); });
    client.on('kick', function (reason) { signOut('Signed out by the server (' + reason + ')'); });
    client.on('error', function (e) { fail(e.op === 'auth' ? 'Signed out' : 'Sync failed', e); });
    return client.connect().then(function (reply) {
      me = reply.user;
      $('login-view').hidden = true; $('chat-view').hidden = false; $('logout').hidden = false;
      $('password').value = '';
      refreshConversations();
      refreshContacts();
    }, function (e) {
      sessionStorage.removeItem(SESSION);
      client = null;
      throw e;
    });
  }

  function onState(state, why) {
    var text = {
      connecting: 'Connecting…',
      online: 'Online as ' + (me || (client && client.opts.user) || ''),
      offline: 'Offline: reconnecting' + (why ? ' (' + why + ')' : '') + '. Messages you write are sent when back.',
      closed: 'Disconnected' + (why ? ' (' + why + ')' : ''),
    }[state] || state;
    $('status').textContent = text;
    document.body.dataset.connection = state;
    // Closed by the client itself: the login was refused for good (an
    // expired token, a changed password) or the device was kicked.
    if (state === 'closed' && me) signOut(text);
  }

  // ---- conversations ----
  var refreshing = null, refreshAgain = false;
  function refreshConversations() {
    if (!client || client.state !== 'online') return;
    if (refreshing) { refreshAgain = true; return; }
    var seen = new Set(), pages = 0;
    var page = function (cursor) {
      return client.conversations(cursor ? { limit: 200, cursor: cursor } : { limit: 200 }).then(function (r) {
        r.conversations.forEach(function (c) {
          var local = conv(c.chat, c.with);
          seen.add(keyOf(c.chat, c.with));
          Object.assign(local, c);
          if (keyOf(c.chat, c.with) === current && c.unread > 0 && document.visibilityState === 'visible') markRead(local);
        });
        if (r.cursor && ++pages < 10) return page(r.cursor);
      });
    };
    refreshing = page(null).then(function () {
      // A conversation the server no longer lists (left group, all recalled) goes.
      // Rooms are not conversations on the server: they stay while joined.
      Array.from(convs.keys()).forEach(function (k) {
        if (!seen.has(k) && k !== current && k.indexOf('chatroom:') !== 0) convs.delete(k);
      });
      renderConversations(); renderMessages();
    }, function (e) { if (e.code !== -1) fail('Cannot load the conversations', e); })
      .then(function () {
        refreshing = null;
        if (refreshAgain) { refreshAgain = false; refreshConversations(); }
      });
  }

  function renderConversations() {
    var list = Array.from(convs.values()).sort(function (a, b) { return b.ts - a.ts; });
    var ul = $('conversations');
    ul.textContent = '';
    var total = 0;
    list.forEach(function (c) {
      var k = keyOf(c.chat, c.with);
      var unread = k === current ? 0 : c.unread;
      total += unread;
      var badge = unread > 0 ? el('span', { class: 'badge', text: String(unread), 'aria-label': unread + ' unread' }) : null;
      ul.appendChild(el('li', {}, [el('button', { type: 'button', class: 'conv', 'data-key': k,
        'aria-current': k === current ? 'true' : 'false', onclick: function () { openChat(c.chat, c.with); } }, [
        c.chat === 'single' && presence.has(c.with) ? dot(c.with) : null,
        el('span', { class: 'text' }, [el('span', { class: 'who', text: displayName(c) }), el('span', { class: 'last', text: preview(c.last) })]),
        badge,
      ])]));
    });
    $('no-conversations').hidden = list.length > 0;
    $('total-unread').hidden = total === 0;
    $('total-unread').textContent = String(total);
    $('total-unread').setAttribute('aria-label', total + ' unread');
  }

  // ---- one chat ----
  function openChat(chat, peer) {
    current = keyOf(chat, peer);
    var c = conv(chat, peer);
    document.body.classList.add('chat-open');
    $('compose').hidden = false;
    renderChatHead();
    var v = views.get(current);
    if (!v) { v = { messages: new Map(), more: false, loaded: false }; views.set(current, v); }
    renderMessages();
    renderConversations();
    // Rooms keep no history: what the join brought and what came since.
    if (chat === 'chatroom') v.loaded = true;
    else if (!v.loaded) loadHistory(current, null);
    markRead(c);
    $('compose-text').focus();
  }

  function renderChatHead() {
    if (!current) return;
    var c = convs.get(current);
    $('chat-title').textContent = displayName(c);
    $('leave-room').hidden = c.chat !== 'chatroom';
  }

  function loadHistory(key, before) {
    var c = convs.get(key), v = views.get(key);
    var opts = { limit: HISTORY_PAGE };
    if (before) opts.before = before;
    $('older').disabled = true;
    return client.history(c.chat, c.with, opts).then(function (r) {
      r.messages.forEach(function (m) { v.messages.set(m.msg_id, m); });
      v.more = r.more;
      v.loaded = true;
      if (key === current) renderMessages(!before);
    }, function (e) { fail('Cannot load the history', e); })
      .then(function () { $('older').disabled = false; });
  }

  $('older').addEventListener('click', function () {
    var v = views.get(current);
    var ids = Array.from(v.messages.keys()).filter(function (id) { return id.indexOf('pending:') !== 0; }).sort(byId);
    if (ids.length) loadHistory(current, ids[0]);
  });

  $('back').addEventListener('click', function () {
    current = null;
    document.body.classList.remove('chat-open');
    renderConversations();
  });

  function markString(m, c) {
    if (m.pending) return m.failed ? 'Not sent' : 'Sending…';
    if (m.chat !== 'single') return 'Sent';
    if (!Imcloud.idAfter(m.msg_id, c.peer_read || '0')) return 'Read';
    if (!Imcloud.idAfter(m.msg_id, c.peer_delivered || '0')) return 'Delivered';
    return 'Sent';
  }

  function renderMessages(scrollToEnd) {
    var ol = $('messages');
    if (!current) { ol.textContent = ''; $('older').hidden = true; return; }
    var c = convs.get(current), v = views.get(current);
    if (!v) return;
    var atEnd = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 40;
    var msgs = Array.from(v.messages.values()).sort(function (a, b) {
      if (a.pending !== b.pending) return a.pending ? 1 : -1;
      if (a.pending) return a.ts - b.ts;
      return c.chat === 'group' ? a.seq - b.seq : byId(a.msg_id, b.msg_id); // rooms: ids are time-ordered
    });
    ol.textContent = '';
    msgs.forEach(function (m) {
      var mine = m.from === me;
      var b = m.body || {};
      var text = b.type === 'txt' ? b.msg : (b.type === 'img' ? 'Image' + (b.filename ? ' ' + b.filename : '') : '[' + (b.type || 'message') + ']');
      var content = b.type === 'img' && b.url ? thumbnail(m) : el('span', { class: 'body', text: m.pending && m.uploading ? 'Uploading ' + text + '…' : text });
      var meta = [el('time', { text: time(m.ts), datetime: new Date(m.ts).toISOString() })];
      if (m.edited) meta.push(el('span', { text: 'edited' }));
      if (mine) meta.push(el('span', { class: 'mark', text: markString(m, c) }));
      if (mine && !m.pending && b.type === 'txt' && c.chat !== 'chatroom') {
        meta.push(el('button', { type: 'button', class: 'edit', text: 'Edit',
          'aria-label': 'Edit the message “' + text.slice(0, 40) + '”', onclick: function () { startEdit(m); } }));
      }
      if (mine && !m.pending) {
        meta.push(el('button', { type: 'button', class: 'recall', text: 'Recall',
          'aria-label': 'Recall the message “' + text.slice(0, 40) + '”', onclick: function () { recall(m); } }));
      }
      if (m.failed) {
        meta.push(el('span', { class: 'why', text: m.failed }));
      }
      ol.appendChild(el('li', { class: 'msg' + (mine ? ' mine' : '') + (m.failed ? ' failed' : ''),
        'data-msg-id': m.msg_id || '', 'data-client-id': m.client_msg_id || '' }, [
        c.chat !== 'single' && !mine ? el('span', { class: 'from', text: m.from }) : null,
        content,
        el('span', { class: 'meta' }, meta),
      ]));
    });
    $('older').hidden = !v.more;
    if (scrollToEnd || atEnd) ol.scrollTop = ol.scrollHeight;
  }

  function markRead(c) {
    if (!client || client.state !== 'online') return;
    var k = keyOf(c.chat, c.with);
    if (c.chat === 'chatroom') { c.unread = 0; return; } // no read marks in rooms
    if (c.unread === 0) return;
    client.read(c.chat, c.with).then(function () {
      c.unread = 0;
      if (k === current) renderConversations();
    }, function (e) { if (e.code !== -1 && e.code !== 506) fail('Cannot mark the chat read', e); });
    c.unread = 0;
    renderConversations();
  }

  // ---- images: uploaded as restricted chatfiles, shown by thumbnail ----
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
  function thumbnail(m) {
    var b = m.body, name = b.filename || 'image';
    var img = el('img', { alt: 'Image ' + name + ' from ' + m.from });
    fileUrl(b, true).then(function (u) { img.src = u; }, function (e) { img.alt = 'Image ' + name + ' (cannot load: ' + e.message + ')'; });
    return el('button', { type: 'button', class: 'thumb', 'aria-label': 'Open image ' + name,
      onclick: function () { openViewer(m); } }, [img]);
  }
  function openViewer(m) {
    var b = m.body;
    $('viewer-title').textContent = (b.filename || 'Image') + ' from ' + m.from;
    $('viewer-img').alt = b.filename || 'image';
    $('viewer-img').removeAttribute('src');
    $('viewer').showModal();
    fileUrl(b, false).then(function (u) { $('viewer-img').src = u; }, function (e) { $('viewer').close(); fail('Cannot open the image', { message: e.message }); });
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
    if (!file || !current) return;
    if (!/^image\//.test(file.type)) return fail('Image not sent', { message: file.name + ' is not an image.' });
    if (file.size > MAX_IMAGE_BYTES) return fail('Image not sent', { message: file.name + ' is larger than 10 MiB.' });
    var c = convs.get(current), key = current, v = views.get(current);
    var local = { pending: true, uploading: true, chat: c.chat, from: me, to: c.with, ts: Date.now(), msg_id: '',
      body: { type: 'img', filename: file.name } };
    var pendingKey = 'pending:' + Math.random().toString(36).slice(2);
    v.messages.set(pendingKey, local);
    renderMessages(true);
    var parts = session.appkey.split('#');
    var base = location.origin + '/' + encodeURIComponent(parts[0]) + '/' + encodeURIComponent(parts[1]);
    var form = new FormData();
    form.append('file', file, file.name);
    Promise.all([imageSize(file), fetch(base + '/chatfiles', { method: 'POST', body: form,
      headers: { Authorization: 'Bearer ' + session.token, 'restrict-access': 'true' } }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (j) {
        if (!res.ok) throw { code: res.status, serverMessage: j.error_description || j.error || res.statusText, message: 'upload failed' };
        return j.entities[0];
      });
    })]).then(function (done) {
      var size = done[0], f = done[1];
      var body = { type: 'img', url: base + '/chatfiles/' + f.uuid, secret: f['share-secret'], filename: file.name, file_length: file.size };
      if (size) body.size = size;
      v.messages.delete(pendingKey);
      deliverOwn(key, c, v, body);
    }).catch(function (e) {
      local.failed = e.code === 413 ? 'too large' : explain(e);
      if (key === current) renderMessages();
      fail('Image not sent', e);
    });
  });

  // ---- sending and recalling ----
  $('compose').addEventListener('submit', function (ev) { ev.preventDefault(); sendText(); });
  $('compose-text').addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); sendText(); }
    if (ev.key === 'Escape' && editing) { ev.preventDefault(); stopEdit(); }
  });

  function startEdit(m) {
    editing = m;
    $('compose-text').value = m.body.msg;
    $('compose-label').textContent = 'Edit message';
    $('editing').hidden = false;
    $('compose-text').focus();
  }
  function stopEdit() {
    editing = null;
    $('compose-text').value = '';
    $('compose-label').textContent = 'Message';
    $('editing').hidden = true;
  }

  function sendText() {
    var box = $('compose-text'), text = box.value;
    if (!text.trim() || !current) return;
    if (editing) {
      var m = editing, c = convs.get(keyOfMessage(m));
      stopEdit();
      // The edit push (to this device too) shows the new text.
      client.edit(m.chat, c.with, m.msg_id, { type: 'txt', msg: text })
        .catch(function (e) { fail('Cannot edit the message', e); });
      return;
    }
    box.value = '';
    deliverOwn(current, convs.get(current), views.get(current), { type: 'txt', msg: text });
  }

  /** Shows `body` as sending in conversation `key`, sends it, and shows
   * it as sent with its msg id once acked (or why it failed). */
  function deliverOwn(key, c, v, body) {
    var local = { pending: true, chat: c.chat, from: me, to: c.with, ts: Date.now(), body: body, msg_id: '' };
    var pendingKey = 'pending:' + Math.random().toString(36).slice(2);
    v.messages.set(pendingKey, local);
    if (key === current) renderMessages(true);
    var sent = client.send({ chat: c.chat, to: c.with, body: body });
    sent.then(function (ack) {
      v.messages.delete(pendingKey);
      var m = { msg_id: ack.msg_id, seq: ack.seq, ts: ack.ts, chat: c.chat, from: me, to: c.with, body: body, client_msg_id: ack.client_msg_id };
      if (!v.messages.has(ack.msg_id)) v.messages.set(ack.msg_id, m);
      c.last = m; c.ts = ack.ts; c.unread = 0;
      if (key === current) renderMessages(true);
      renderConversations();
    }, function (e) {
      local.failed = explain(e);
      if (key === current) renderMessages();
      fail('Message not sent', e);
    });
  }

  function recall(m) {
    var c = convs.get(keyOfMessage(m));
    client.recall(m.chat, c.with, m.msg_id).then(function () { removeMessage(keyOfMessage(m), m.msg_id); },
      function (e) { fail('Cannot recall the message', e); });
  }

  function removeMessage(key, msgId) {
    var v = views.get(key);
    if (v && v.messages.delete(msgId) && key === current) renderMessages();
    refreshConversations();
  }

  // ---- what the server pushes ----
  function onMessage(m, how) {
    if (!m || !m.chat || (m.body && m.body.type === 'cmd')) return;
    if (m.chat === 'chatroom' && !(client && client.rooms.has(m.to))) return;
    var key = keyOfMessage(m), c = conv(m.chat, peerOfMessage(m));
    var v = views.get(key);
    if (!v && m.chat === 'chatroom') { v = { messages: new Map(), more: false, loaded: true }; views.set(key, v); }
    if (v && v.loaded) {
      var known = v.messages.has(m.msg_id);
      if (!known && how.edit) return;
      v.messages.set(m.msg_id, m);
    }
    if (how.edit) {
      if (c.last && c.last.msg_id === m.msg_id) { c.last = m; renderConversations(); }
      if (key === current) renderMessages();
      return;
    }
    if (!c.last || m.ts >= c.ts) { c.last = m; c.ts = m.ts; }
    var open = key === current && document.visibilityState === 'visible';
    if (m.from !== me) {
      if (m.chat === 'single') {
        var due = deliveredDue.get(m.from);
        if (!due || Imcloud.idAfter(m.msg_id, due)) deliveredDue.set(m.from, m.msg_id);
        setTimeout(flushDelivered, 0);
      }
      // Counts from a catch-up come from the server's list after it.
      if (how.live && !open) c.unread += 1;
      if (open) markRead(Object.assign(c, { unread: Math.max(c.unread, 1) }));
    }
    if (key === current) renderMessages();
    renderConversations();
  }

  function flushDelivered() {
    if (!client || client.state !== 'online') return;
    deliveredDue.forEach(function (msgId, peer) {
      deliveredDue.delete(peer);
      client.delivered(peer, msgId).catch(function () { /* a receipt is a courtesy */ });
    });
  }

  function onRecall(p) {
    var peer = p.chat !== 'single' ? p.to : (p.from === me ? p.to : p.from);
    removeMessage(keyOf(p.chat, peer), p.msg_id);
  }

  function onReceipt(p) {
    if (p.chat !== 'single') return;
    if (p.from === me) { refreshConversations(); return; } // read on another device of mine
    var c = convs.get(keyOf('single', p.from));
    if (!c) return;
    if (p.kind === 'read' && Imcloud.idAfter(p.msg_id, c.peer_read || '0')) c.peer_read = p.msg_id;
    if (Imcloud.idAfter(p.msg_id, c.peer_delivered || '0')) c.peer_delivered = p.msg_id;
    if (keyOf('single', p.from) === current) renderMessages();
  }

  // ---- chat rooms ----
  $('join-room').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var room = $('join-room-id').value.trim();
    if (!room) return;
    client.join(room).then(function () {
      $('join-room-id').value = '';
      var c = conv('chatroom', room);
      c.ts = c.ts || Date.now();
      openChat('chatroom', room);
    }, function (e) { fail('Cannot join room ' + room, e); });
  });

  $('leave-room').addEventListener('click', function () {
    var c = convs.get(current);
    if (!c || c.chat !== 'chatroom') return;
    client.leave(c.with).then(function () {
      convs.delete(current); views.delete(current);
      current = null;
      document.body.classList.remove('chat-open');
      $('compose').hidden = true; $('leave-room').hidden = true;
      $('chat-title').textContent = 'Pick a conversation';
      renderMessages(); renderConversations();
    }, function (e) { fail('Cannot leave the room', e); });
  });

  // ---- contacts ----
  function onContact(p) {
    var said = { request: ' asks to be your contact (see Contacts).', accepted: ' accepted your friend request.',
      declined: ' declined your friend request.', removed: ' is no longer your contact.' }[p.kind];
    if (said) notice(p.user + said);
    refreshContacts();
    if (p.kind === 'accepted') refreshConversations();
  }

  function refreshContacts() {
    client.contacts().then(function (r) {
      contacts = r;
      renderContacts();
      var fresh = r.users.filter(function (u) { return !presence.has(u); }).slice(0, 100);
      // A day's subscription, renewed at each sign-in.
      if (fresh.length) client.presenceSubscribe(fresh, 86400).then(showPresence, function (e) { if (e.code !== -1) fail('Cannot follow your contacts\' presence', e); });
    }, function (e) { if (e.code !== -1) fail('Cannot load the contacts', e); });
  }

  function isOnline(p) {
    return Object.keys(p.status || {}).some(function (d) { return p.status[d] !== '0'; });
  }
  function showPresence(r) {
    (r.statuses || []).forEach(function (p) { presence.set(p.user, isOnline(p)); });
    renderContacts(); renderConversations();
  }
  function dot(user) {
    var on = presence.get(user);
    return el('span', { class: 'dot ' + (on ? 'on' : 'off'), role: 'img', 'aria-label': on ? 'online' : 'offline', title: on ? 'online' : 'offline' });
  }

  function renderContacts() {
    var reqs = $('requests'), list = $('contacts');
    reqs.textContent = ''; list.textContent = '';
    contacts.requests.forEach(function (r) {
      reqs.appendChild(el('li', { class: 'person', 'data-user': r.user }, [
        el('span', { text: r.user + (r.reason ? ': “' + r.reason + '”' : '') }),
        el('button', { type: 'button', text: 'Accept', 'aria-label': 'Accept ' + r.user, onclick: function () { answer(r.user, true); } }),
        el('button', { type: 'button', text: 'Decline', 'aria-label': 'Decline ' + r.user, onclick: function () { answer(r.user, false); } }),
      ]));
    });
    contacts.users.forEach(function (u) {
      list.appendChild(el('li', { class: 'person', 'data-user': u }, [
        presence.has(u) ? dot(u) : null,
        el('span', { text: u }),
        el('button', { type: 'button', text: 'Chat', 'aria-label': 'Chat with ' + u, onclick: function () { showTab('chats'); openChat('single', u); } }),
      ]));
    });
    $('no-requests').hidden = contacts.requests.length > 0;
    $('no-contacts').hidden = contacts.users.length > 0;
    $('request-count').hidden = contacts.requests.length === 0;
    $('request-count').textContent = String(contacts.requests.length);
    $('request-count').setAttribute('aria-label', contacts.requests.length + ' requests');
  }

  function answer(user, accept) {
    (accept ? client.contactAccept(user) : client.contactDecline(user))
      .then(function () { $('notice').hidden = true; refreshContacts(); }, function (e) { fail('Cannot answer ' + user + '’s request', e); });
  }

  $('add-contact').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var user = $('add-contact-user').value.trim(), reason = $('add-contact-reason').value.trim();
    if (!user) return;
    client.contactAdd(user, reason).then(function () {
      $('add-contact-user').value = ''; $('add-contact-reason').value = '';
      notice('Friend request sent to ' + user + '.');
    }, function (e) { fail('Cannot send the request to ' + user, e); });
  });

  // ---- tabs (arrow keys move between them, as the ARIA pattern says) ----
  function showTab(name) {
    ['chats', 'contacts'].forEach(function (t) {
      var on = t === name;
      $('tab-' + t).setAttribute('aria-selected', on ? 'true' : 'false');
      $('tab-' + t).tabIndex = on ? 0 : -1;
      $('panel-' + t).hidden = !on;
    });
    if (name === 'contacts' && client) refreshContacts();
  }
  $('tab-chats').addEventListener('click', function () { showTab('chats'); });
  $('tab-contacts').addEventListener('click', function () { showTab('contacts'); });
  document.querySelector('.tabs').addEventListener('keydown', function (ev) {
    if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    var next = $('tab-chats').getAttribute('aria-selected') === 'true' ? 'contacts' : 'chats';
    showTab(next); $('tab-' + next).focus();
  });

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && current) markRead(convs.get(current));
  });

  // ---- a reload keeps the session ----
  var saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(SESSION) || 'null'); } catch (e) { saved = null; }
  if (saved && saved.token) {
    $('status').textContent = 'Signing in…';
    start(saved).catch(function (e) { signOut('Not signed in'); fail('Cannot resume the session', e); });
  }
})();
