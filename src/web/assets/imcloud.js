/*! imcloud.js: the JavaScript client of imcloud's /ws protocol, version 1.
 * Served by the imcloud binary at /sdk/imcloud.js; documented in
 * docs/imcloud-js.md. Plain JavaScript, no dependencies, no build step.
 * In a page it defines `window.Imcloud`; under Node.js it is a module
 * (pass a WebSocket class, e.g. the `ws` package's, as `WebSocket`). */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.Imcloud = factory();
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  /** Codes the client gives when the server gave none. Server codes are
   * the protocol's (docs/protocol.md, "Error codes"). */
  var CLIENT_CODES = {
    TIMEOUT: 301,       // no reply in time: the request may still complete
    DISCONNECTED: -1,   // the socket closed before the reply came
    CLOSED: -2,         // the client was closed (or kicked) first
    QUEUE_FULL: -3,     // too many sends waiting for a connection
  };
  // A send refused with one of these did nothing or may be resent safely
  // with its client_msg_id: it is retried, not failed.
  var RETRYABLE = { 301: true, 302: true, 304: true, '-1': true };
  // Kicks after which logging in again is the user's decision, not ours.
  var FINAL_KICKS = { replaced: true, password_changed: true, user_deleted: true,
    deactivated: true, forced_logout: true };
  // Login refusals that no retry can fix.
  var FINAL_AUTH = { 100: true, 202: true, 204: true, 205: true, 207: true };

  function ImcloudError(code, message, op) {
    var e = new Error(message + ' (code ' + code + (op ? ', op ' + op : '') + ')');
    e.name = 'ImcloudError';
    e.code = code;
    e.op = op || null;
    e.serverMessage = message;
    return e;
  }

  /** Whether decimal msg id `a` is above `b` (64-bit ids exceed JS numbers). */
  function idAfter(a, b) {
    a = String(a || '0'); b = String(b || '0');
    return a.length !== b.length ? a.length > b.length : a > b;
  }

  function randomId(n) {
    var chars = 'abcdefghijklmnopqrstuvwxyz0123456789', out = '';
    var bytes = new Uint8Array(n);
    if (typeof crypto !== 'undefined' && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (var i = 0; i < n; i++) bytes[i] = Math.floor(Math.random() * 256);
    for (var j = 0; j < n; j++) out += chars[bytes[j] % chars.length];
    return out;
  }

  /** A bounded set of recently seen msg ids (insertion order evicts). */
  function SeenIds(max) { this.max = max; this.ids = new Map(); }
  SeenIds.prototype.add = function (id) {
    if (this.ids.has(id)) return false;
    this.ids.set(id, true);
    if (this.ids.size > this.max) this.ids.delete(this.ids.keys().next().value);
    return true;
  };

  /**
   * new Imcloud.Client({url, appkey, user, password} | {url, token}, options)
   * options: device, storage (an object with getItem/setItem, e.g.
   * sessionStorage: keeps the device id and sync cursors across reloads),
   * requestTimeoutMs (15000), pingIntervalMs (25000), backoffMinMs (500),
   * backoffMaxMs (15000), maxQueuedSends (500), WebSocket.
   */
  function Client(opts) {
    if (!opts || !opts.url) throw new TypeError('imcloud: url is required');
    if (!opts.token && !(opts.appkey && opts.user && opts.password)) {
      throw new TypeError('imcloud: give a token, or appkey, user and password');
    }
    this.opts = Object.assign({ requestTimeoutMs: 15000, pingIntervalMs: 25000,
      backoffMinMs: 500, backoffMaxMs: 15000, maxQueuedSends: 500 }, opts);
    this.WS = opts.WebSocket || (typeof WebSocket !== 'undefined' ? WebSocket : null);
    if (!this.WS) throw new TypeError('imcloud: no WebSocket class');
    this.storage = opts.storage || null;
    this.key = 'imcloud:' + (opts.appkey || 'token') + ':' + (opts.user || '');
    this.device = opts.device || this._load('device') || ('web-' + randomId(10));
    this._save('device', this.device);
    this.cursors = this._load('cursors') || {};
    this.user = null;
    this.state = 'idle';       // idle, connecting, online, offline, closed
    this.handlers = {};
    this.pending = new Map();  // request id -> {resolve, reject, timer, op}
    this.outbox = [];          // sends not yet acked, oldest first
    this.rooms = new Set();    // chatrooms joined: joined again after a reconnect
    this.seen = new SeenIds(10000);
    this.nextId = 1;
    this.ws = null;
    this.attempt = 0;
    this.syncing = null;
    this.syncAgain = false;
    this.firstLogin = null;
    this.lastKick = null;
    this._timers = {};
    var self = this;
    this._onOnline = function () { if (self.state === 'offline') self._reconnectNow(); };
    this._onOffline = function () { if (self.state === 'online') self._drop('the browser went offline'); };
    if (typeof addEventListener === 'function') {
      addEventListener('online', this._onOnline);
      addEventListener('offline', this._onOffline);
    }
  }

  Client.prototype.on = function (event, fn) {
    (this.handlers[event] = this.handlers[event] || []).push(fn);
    return this;
  };
  Client.prototype.off = function (event, fn) {
    this.handlers[event] = (this.handlers[event] || []).filter(function (h) { return h !== fn; });
    return this;
  };
  Client.prototype._emit = function (event) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this.handlers[event] || []).slice().forEach(function (h) {
      try { h.apply(null, args); } catch (e) { if (typeof console !== 'undefined') console.error(e); }
    });
  };
  Client.prototype._setState = function (state, why) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', state, why || null);
  };
  Client.prototype._load = function (what) {
    try {
      var v = this.storage && this.storage.getItem(this.key + ':' + what);
      return v ? JSON.parse(v) : null;
    } catch (e) { return null; }
  };
  Client.prototype._save = function (what, value) {
    try { if (this.storage) this.storage.setItem(this.key + ':' + what, JSON.stringify(value)); } catch (e) { /* storage full or denied: only a cache */ }
  };

  /** Connects and logs in; resolves with the auth reply. Later drops
   * reconnect by themselves (with backoff) and catch up by sync. */
  Client.prototype.connect = function () {
    var self = this;
    if (this.firstLogin) return this.firstLogin.promise;
    var d = {};
    d.promise = new Promise(function (res, rej) { d.resolve = res; d.reject = rej; });
    this.firstLogin = d;
    this._open();
    return d.promise.catch(function (e) { self.firstLogin = null; throw e; });
  };

  Client.prototype._open = function () {
    var self = this, ws;
    clearTimeout(this._timers.reconnect);
    this._setState('connecting');
    try { ws = new this.WS(this.opts.url); } catch (e) { return this._lost('cannot open ' + this.opts.url + ': ' + e.message); }
    this.ws = ws;
    ws.onopen = function () { if (self.ws === ws) self._login(); };
    ws.onmessage = function (ev) { if (self.ws === ws) self._frame(ev.data); };
    ws.onclose = function (ev) {
      if (self.ws !== ws) return;
      self._lost('the connection closed (' + ev.code + (ev.reason ? ' ' + ev.reason : '') + ')', ev.code);
    };
    ws.onerror = function () { /* onclose follows and says more */ };
  };

  Client.prototype._login = function () {
    var self = this, o = this.opts;
    var auth = o.token ? { token: o.token } : { appkey: o.appkey, user: o.user, password: o.password };
    auth.device = this.device;
    auth.v = 1;
    this._call('auth', auth).then(function (reply) {
      self.user = reply.user;
      self.attempt = 0;
      self._setState('online');
      self._startPing();
      if (self.firstLogin && !self.firstLogin.done) { self.firstLogin.done = true; self.firstLogin.resolve(reply); }
      self._emit('login', reply);
      self.outbox.forEach(function (item) { self._transmit(item); });
      self.sync().catch(function () { /* reported by sync; a drop syncs again */ });
      // A closed socket left its rooms: join them again (room messages
      // sent meanwhile are gone, but the join brings the recent ones).
      self.rooms.forEach(function (room) {
        self._join(room).catch(function (e) {
          if (e.code === CLIENT_CODES.DISCONNECTED) return;
          self.rooms.delete(room);
          self._emit('error', e);
        });
      });
    }, function (e) {
      if (FINAL_AUTH[e.code]) {
        if (self.firstLogin && !self.firstLogin.done) self.firstLogin.reject(e);
        else self._emit('error', e);
        self.close('login refused: ' + e.serverMessage);
      } else if (e.code !== CLIENT_CODES.DISCONNECTED) {
        self._drop('login failed: ' + e.message); // a busy or stopping server: try again later
      }
    });
  };

  Client.prototype._frame = function (data) {
    var f;
    try { f = JSON.parse(data); } catch (e) { return; /* the server sends JSON only on a JSON socket */ }
    if (f && f.push) return this._push(f);
    var p = f && this.pending.get(f.id);
    if (!p) return;
    this.pending.delete(f.id);
    clearTimeout(p.timer);
    if (f.ok) { delete f.ok; delete f.id; p.resolve(f); }
    else p.reject(ImcloudError(f.error && f.error.code, f.error && f.error.message || 'refused', p.op));
  };

  Client.prototype._push = function (f) {
    switch (f.push) {
      case 'message': this._deliver(f.msg, true); break;
      case 'kick':
        this.lastKick = f.reason;
        this._emit('kick', f.reason);
        if (FINAL_KICKS[f.reason]) this.close('kicked: ' + f.reason);
        break;
      default: this._emit(f.push, f); // recall, receipt, edit, contact, event, presence
    }
  };

  /** Emits a message once per msg id, and moves the stream's cursor when
   * it is the next one (a gap is left for sync to fill). */
  Client.prototype._deliver = function (msg, live) {
    if (!msg || !msg.msg_id) return;
    if (msg.chat === 'group') this._advance('group:' + msg.to, msg.seq);
    else if (msg.chat === 'single') this._advance('user', msg.seq);
    if (this.seen.add(msg.msg_id)) this._emit('message', msg, { live: live });
  };

  Client.prototype._advance = function (stream, seq) {
    if (typeof seq === 'number' && this.cursors[stream] === seq - 1) {
      this.cursors[stream] = seq;
      this._save('cursors', this.cursors);
    }
  };

  /** One request; resolves with the reply's fields, rejects with an
   * ImcloudError carrying the code. Fails at once while not online. */
  Client.prototype.request = function (op, fields) {
    if (this.state !== 'online') {
      return Promise.reject(ImcloudError(this.state === 'closed' ? CLIENT_CODES.CLOSED : CLIENT_CODES.DISCONNECTED,
        'not connected', op));
    }
    return this._call(op, fields);
  };

  Client.prototype._call = function (op, fields) {
    var self = this, ws = this.ws, id = this.nextId++;
    var frame = Object.assign({}, fields || {}, { id: id, op: op });
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        self.pending.delete(id);
        reject(ImcloudError(CLIENT_CODES.TIMEOUT, 'no reply in time', op));
        // A socket that answers nothing at all is dead: start over.
        if (op === 'ping' || op === 'auth') self._drop('no reply to ' + op);
      }, self.opts.requestTimeoutMs);
      self.pending.set(id, { resolve: resolve, reject: reject, timer: timer, op: op });
      try { ws.send(JSON.stringify(frame)); } catch (e) {
        self.pending.delete(id); clearTimeout(timer);
        reject(ImcloudError(CLIENT_CODES.DISCONNECTED, 'cannot write: ' + e.message, op));
      }
    });
  };

  /**
   * Sends a message: {chat, to, body, ext?, client_msg_id?, priority?,
   * need_group_ack?}. Resolves with the ack ({msg_id, seq, ts,
   * client_msg_id}) once the server has it on disk. While offline the
   * send waits; after a drop or a timeout it is resent with the same
   * client_msg_id, which the server answers with the first ack.
   */
  Client.prototype.send = function (message) {
    var self = this;
    if (this.state === 'closed') return Promise.reject(ImcloudError(CLIENT_CODES.CLOSED, 'client closed', 'send'));
    if (this.outbox.length >= this.opts.maxQueuedSends) {
      return Promise.reject(ImcloudError(CLIENT_CODES.QUEUE_FULL, 'too many sends waiting', 'send'));
    }
    var fields = Object.assign({}, message);
    fields.client_msg_id = fields.client_msg_id || (this.device + '-' + Date.now().toString(36) + '-' + randomId(6));
    return new Promise(function (resolve, reject) {
      var item = { fields: fields, resolve: resolve, reject: reject, tries: 0, inflight: false };
      self.outbox.push(item);
      if (self.state === 'online') self._transmit(item);
    });
  };

  Client.prototype._transmit = function (item) {
    var self = this;
    if (item.inflight || this.state !== 'online') return;
    item.inflight = true;
    item.tries++;
    this._call('send', item.fields).then(function (ack) {
      self._settle(item);
      self.seen.add(ack.msg_id);
      var f = item.fields;
      if (f.chat === 'group') self._advance('group:' + f.to, ack.seq);
      else if (f.chat === 'single') self._advance('user', ack.seq);
      ack.client_msg_id = f.client_msg_id;
      item.resolve(ack);
    }).catch(function (e) {
      item.inflight = false;
      if (self.state === 'closed') return;
      if (RETRYABLE[e.code]) {
        var wait = Math.min(self.opts.backoffMaxMs, self.opts.backoffMinMs * Math.pow(2, Math.min(item.tries, 6)));
        setTimeout(function () { self._transmit(item); }, wait * (0.5 + Math.random() / 2));
        return;
      }
      self._settle(item);
      item.reject(e);
    });
  };

  Client.prototype._settle = function (item) {
    var i = this.outbox.indexOf(item);
    if (i >= 0) this.outbox.splice(i, 1);
  };

  /** Catches up: pages through `sync` from the cursors until nothing is
   * left, emitting each message not seen yet; then emits `synced`. One
   * sync runs at a time (a call during one runs another after it). */
  Client.prototype.sync = function () {
    var self = this;
    if (this.syncing) { this.syncAgain = true; return this.syncing; }
    var forgotGroups = false;
    var page = function () {
      return self.request('sync', { cursors: self.cursors, limit: 200 }).then(function (r) {
        (r.messages || []).forEach(function (m) { self._deliver(m, false); });
        Object.assign(self.cursors, r.cursors || {});
        self._save('cursors', self.cursors);
        return r.more ? page() : null;
      }, function (e) {
        // A group named by a cursor that this user left (602) or that is
        // gone (605) fails the whole sync: forget the group cursors once
        // (unnamed groups sync from the join; repeats are deduped).
        if ((e.code === 602 || e.code === 605) && !forgotGroups) {
          forgotGroups = true;
          Object.keys(self.cursors).forEach(function (k) { if (k.indexOf('group:') === 0) delete self.cursors[k]; });
          return page();
        }
        throw e;
      });
    };
    this.syncing = page().then(function () {
      self.syncing = null;
      self._emit('synced');
      if (self.syncAgain) { self.syncAgain = false; return self.sync(); }
    }, function (e) {
      self.syncing = null;
      self.syncAgain = false;
      // A drop mid-sync syncs again after the reconnect.
      if (e.code !== CLIENT_CODES.DISCONNECTED) self._emit('error', e);
      throw e;
    });
    return this.syncing;
  };

  Client.prototype._startPing = function () {
    var self = this;
    clearInterval(this._timers.ping);
    this._timers.ping = setInterval(function () {
      if (self.state === 'online') self._call('ping', {}).catch(function () { /* a timeout drops the socket */ });
    }, this.opts.pingIntervalMs);
  };

  /** The socket is gone (or must go): fail what waited on it, keep the
   * sends, and reconnect after a backoff. */
  Client.prototype._drop = function (why) {
    var ws = this.ws;
    this.ws = null;
    if (ws) { try { ws.close(); } catch (e) { /* already closing */ } }
    this._lost(why);
  };

  Client.prototype._lost = function (why, closeCode) {
    var self = this;
    this.ws = null;
    clearInterval(this._timers.ping);
    this.pending.forEach(function (p) {
      clearTimeout(p.timer);
      p.reject(ImcloudError(CLIENT_CODES.DISCONNECTED, why, p.op));
    });
    this.pending.clear();
    this.outbox.forEach(function (item) { item.inflight = false; });
    if (this.state === 'closed') return;
    // Kicked (4003): only a restarted entity asks for a reconnect; any
    // other kick, or one whose push never came, ends the client (two tabs
    // sharing a device id would otherwise kick each other forever).
    if (closeCode === 4003 && this.lastKick !== 'restarted') { this.close(why); return; }
    this.lastKick = null;
    this._setState('offline', why);
    var wait = Math.min(this.opts.backoffMaxMs, this.opts.backoffMinMs * Math.pow(2, this.attempt));
    this.attempt = Math.min(this.attempt + 1, 10);
    // Full jitter keeps a restarted server from being hit by everyone at
    // once. A browser that knows it is offline waits for its `online`
    // event (the longest backoff only in case the event never comes).
    var offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    this._timers.reconnect = setTimeout(function () { self._open(); },
      offline ? this.opts.backoffMaxMs : Math.random() * wait);
  };

  Client.prototype._reconnectNow = function () {
    clearTimeout(this._timers.reconnect);
    this.attempt = 0;
    if (!this.ws) this._open();
  };

  /** Closes for good: no reconnect; waiting sends and requests fail. */
  Client.prototype.close = function (why) {
    if (this.state === 'closed') return;
    var ws = this.ws;
    this.ws = null;
    this._setState('closed', why || 'closed');
    clearTimeout(this._timers.reconnect);
    clearInterval(this._timers.ping);
    if (ws) { try { ws.close(1000); } catch (e) { /* already closing */ } }
    this.pending.forEach(function (p) { clearTimeout(p.timer); p.reject(ImcloudError(CLIENT_CODES.CLOSED, why || 'closed', p.op)); });
    this.pending.clear();
    var outbox = this.outbox;
    this.outbox = [];
    outbox.forEach(function (item) { item.reject(ImcloudError(CLIENT_CODES.CLOSED, why || 'closed', 'send')); });
    if (this.firstLogin && !this.firstLogin.done) this.firstLogin.reject(ImcloudError(CLIENT_CODES.CLOSED, why || 'closed', 'auth'));
    if (typeof removeEventListener === 'function') {
      removeEventListener('online', this._onOnline);
      removeEventListener('offline', this._onOffline);
    }
  };

  // Thin wrappers over the protocol's operations (docs/protocol.md).
  var P = Client.prototype;
  P.history = function (chat, peer, opts) { return this.request('history', Object.assign({ chat: chat, with: peer }, opts || {})); };
  P.conversations = function (opts) { return this.request('conversations', opts || {}); };
  P.read = function (chat, to, msgId) { return this.request('read', msgId ? { chat: chat, to: to, msg_id: msgId } : { chat: chat, to: to }); };
  P.delivered = function (to, msgId) { return this.request('delivered', { chat: 'single', to: to, msg_id: msgId }); };
  P.recall = function (chat, to, msgId) { return this.request('recall', { chat: chat, to: to, msg_id: msgId }); };
  P.edit = function (chat, to, msgId, body) { return this.request('edit', { chat: chat, to: to, msg_id: msgId, body: body }); };
  P.contacts = function () { return this.request('contacts', {}); };
  P.contactAdd = function (user, reason) { return this.request('contact_add', reason ? { user: user, reason: reason } : { user: user }); };
  P.contactAccept = function (user) { return this.request('contact_accept', { user: user }); };
  P.contactDecline = function (user) { return this.request('contact_decline', { user: user }); };
  P.contactRemove = function (user) { return this.request('contact_remove', { user: user }); };
  P.groupInfo = function (group) { return this.request('group_info', { group: group }); };
  P.presenceSubscribe = function (users, expirySecs) { return this.request('presence_subscribe', { users: users, expiry: expirySecs }); };
  P.presenceGet = function (users) { return this.request('presence_get', { users: users }); };
  P.chatroomInfo = function (room) { return this.request('chatroom_info', { chatroom: room }); };
  /** Joins a chatroom (and again after every reconnect, until `leave`);
   * its recent messages are emitted as `message` events, once each. */
  P.join = function (room) {
    var self = this;
    this.rooms.add(room);
    return this._join(room, true).catch(function (e) { self.rooms.delete(room); throw e; });
  };
  P._join = function (room, fromUser) {
    var self = this;
    return (fromUser ? this.request : this._call).call(this, 'join', { chatroom: room }).then(function (r) {
      (r.messages || []).forEach(function (m) { self._deliver(m, false); });
      return r;
    });
  };
  P.leave = function (room) {
    this.rooms.delete(room);
    return this.request('leave', { chatroom: room });
  };

  /** A user token by the REST password grant (`POST /{org}/{app}/token`):
   * resolves with {access_token, expires_in, user}. `base` is the HTTP
   * origin, e.g. location.origin. */
  function fetchToken(base, appkey, user, password) {
    var parts = String(appkey).split('#');
    if (parts.length !== 2) return Promise.reject(ImcloudError(100, 'the app key must be org#app', 'token'));
    return fetch(base + '/' + encodeURIComponent(parts[0]) + '/' + encodeURIComponent(parts[1]) + '/token', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: user, password: password }),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) throw ImcloudError(res.status, body.error_description || body.error || res.statusText, 'token');
        return body;
      });
    });
  }

  return { Client: Client, fetchToken: fetchToken, idAfter: idAfter, codes: CLIENT_CODES, version: '1' };
});
