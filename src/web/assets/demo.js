/* The imcloud chat demo: a page on imcloud.js (served at /demo). This part
 * signs in with a user token (REST password grant), lists conversations
 * with unread counts and shows a chat with history paging and delivery and
 * read marks; demo-messages.js sends, edits, recalls and takes the pushes,
 * demo-images.js handles images, demo-people.js contacts, presence and
 * rooms. The session (token, device, sync cursors) is kept in
 * sessionStorage, so a reload stays signed in. */
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var HISTORY_PAGE = 20;
  var SESSION = 'imcloud-demo:session';

  var client = null, me = null, session = null;
  var convs = new Map();      // "single:bob" / "group:42" -> conversation
  var views = new Map();      // same key -> {messages: Map(id -> msg), more, loaded}
  var groupNames = new Map(); // group or room id -> name
  var current = null;         // the open conversation's key

  /** What the other parts of the page (demo-images.js, demo-messages.js,
   * demo-people.js) share with this one: state, helpers, and hooks they
   * add to (on a client's start, after sign-in, on sign-out). */
  var d = window.imcloudDemo = {
    $: $, convs: convs, views: views, fail: fail, explain: explain, notice: notice, el: el,
    keyOf: keyOf, keyOfMessage: keyOfMessage, peerOfMessage: peerOfMessage, conv: conv,
    renderMessages: renderMessages, renderConversations: renderConversations,
    refreshConversations: refreshConversations, openChat: openChat, markRead: markRead, closeChat: closeChat,
    onStart: [], onSignedIn: [], onSignOut: [],
    // Filled in by the other parts.
    thumbnail: null, startEdit: null, recall: null, deliverOwn: null,
    dot: function () { return null; },
  };
  Object.defineProperties(d, {
    client: { get: function () { return client; } },
    me: { get: function () { return me; } },
    current: { get: function () { return current; } },
    session: { get: function () { return session; } },
  });

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
    convs.clear(); views.clear();
    d.onSignOut.forEach(function (hook) { hook(); });
    $('chat-view').hidden = true; $('login-view').hidden = false; $('logout').hidden = true;
    $('status').textContent = why || 'Not signed in';
    document.body.classList.remove('chat-open');
  }

  function start(saved) {
    session = saved;
    client = new Imcloud.Client({ url: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws',
      token: session.token, appkey: session.appkey, user: session.user, storage: sessionStorage });
    client.on('state', onState);
    client.on('event', function () { refreshConversations(); });
    client.on('synced', function () {
      // How many catch-ups finished: tests wait on it.
      document.body.dataset.syncs = String(Number(document.body.dataset.syncs || 0) + 1);
      refreshConversations();
    });
    d.onStart.forEach(function (hook) { hook(client); });
    client.on('kick', function (reason) { signOut('Signed out by the server (' + reason + ')'); });
    client.on('error', function (e) { fail(e.op === 'auth' ? 'Signed out' : 'Sync failed', e); });
    return client.connect().then(function (reply) {
      me = reply.user;
      $('login-view').hidden = true; $('chat-view').hidden = false; $('logout').hidden = false;
      $('password').value = '';
      refreshConversations();
      d.onSignedIn.forEach(function (hook) { hook(); });
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
        d.dot(c),
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

  $('back').addEventListener('click', closeChat);

  /** Back to the list (at phone width, the list instead of the chat). */
  function closeChat() {
    current = null;
    document.body.classList.remove('chat-open');
    $('compose').hidden = true; $('leave-room').hidden = true;
    $('chat-title').textContent = 'Pick a conversation';
    renderMessages(); renderConversations();
  }

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
      var content = b.type === 'img' && b.url ? d.thumbnail(m) : el('span', { class: 'body', text: m.pending && m.uploading ? 'Uploading ' + text + '…' : text });
      var meta = [el('time', { text: time(m.ts), datetime: new Date(m.ts).toISOString() })];
      if (m.edited) meta.push(el('span', { text: 'edited' }));
      if (mine) meta.push(el('span', { class: 'mark', text: markString(m, c) }));
      if (mine && !m.pending && b.type === 'txt' && c.chat !== 'chatroom') {
        meta.push(el('button', { type: 'button', class: 'edit', text: 'Edit',
          'aria-label': 'Edit the message “' + text.slice(0, 40) + '”', onclick: function () { d.startEdit(m); } }));
      }
      if (mine && !m.pending) {
        meta.push(el('button', { type: 'button', class: 'recall', text: 'Recall',
          'aria-label': 'Recall the message “' + text.slice(0, 40) + '”', onclick: function () { d.recall(m); } }));
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

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && current) markRead(convs.get(current));
  });

  // ---- a reload keeps the session (once every part of the page is loaded) ----
  document.addEventListener('DOMContentLoaded', function () {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(SESSION) || 'null'); } catch (e) { saved = null; }
    if (saved && saved.token) {
      $('status').textContent = 'Signing in…';
      start(saved).catch(function (e) { signOut('Not signed in'); fail('Cannot resume the session', e); });
    }
  });
})();
