/* The demo's messages: sending (kept while offline, acked once on disk),
 * editing, recalling, and what the server pushes (messages, recalls,
 * receipts, edits), with delivery receipts. A part of /demo (demo.js
 * holds the shared state). */
(function (d) {
  'use strict';
  var $ = d.$;

  var deliveredDue = new Map(); // peer -> newest msg id to acknowledge
  var editing = null;           // the own message the compose box edits

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
    if (!text.trim() || !d.current) return;
    if (editing) {
      var m = editing, c = d.convs.get(d.keyOfMessage(m));
      stopEdit();
      // The edit push (to this device too) shows the new text.
      d.client.edit(m.chat, c.with, m.msg_id, { type: 'txt', msg: text })
        .catch(function (e) { d.fail('Cannot edit the message', e); });
      return;
    }
    box.value = '';
    deliverOwn(d.current, d.convs.get(d.current), d.views.get(d.current), { type: 'txt', msg: text });
  }

  /** Shows `body` as sending in conversation `key`, sends it, and shows
   * it as sent with its msg id once acked (or why it failed). */
  function deliverOwn(key, c, v, body) {
    var local = { pending: true, chat: c.chat, from: d.me, to: c.with, ts: Date.now(), body: body, msg_id: '' };
    var pendingKey = 'pending:' + Math.random().toString(36).slice(2);
    v.messages.set(pendingKey, local);
    if (key === d.current) d.renderMessages(true);
    var sent = d.client.send({ chat: c.chat, to: c.with, body: body });
    sent.then(function (ack) {
      v.messages.delete(pendingKey);
      var m = { msg_id: ack.msg_id, seq: ack.seq, ts: ack.ts, chat: c.chat, from: d.me, to: c.with, body: body, client_msg_id: ack.client_msg_id };
      if (!v.messages.has(ack.msg_id)) v.messages.set(ack.msg_id, m);
      c.last = m; c.ts = ack.ts; c.unread = 0;
      if (key === d.current) d.renderMessages(true);
      d.renderConversations();
    }, function (e) {
      local.failed = d.explain(e);
      if (key === d.current) d.renderMessages();
      d.fail('Message not sent', e);
    });
  }

  function recall(m) {
    var c = d.convs.get(d.keyOfMessage(m));
    d.client.recall(m.chat, c.with, m.msg_id).then(function () { removeMessage(d.keyOfMessage(m), m.msg_id); },
      function (e) { d.fail('Cannot recall the message', e); });
  }

  function removeMessage(key, msgId) {
    var v = d.views.get(key);
    if (v && v.messages.delete(msgId) && key === d.current) d.renderMessages();
    d.refreshConversations();
  }

  // What the server pushes.
  function onMessage(m, how) {
    if (!m || !m.chat || (m.body && m.body.type === 'cmd')) return;
    if (m.chat === 'chatroom' && !(d.client && d.client.rooms.has(m.to))) return;
    var key = d.keyOfMessage(m), c = d.conv(m.chat, d.peerOfMessage(m));
    var v = d.views.get(key);
    if (!v && m.chat === 'chatroom') { v = { messages: new Map(), more: false, loaded: true }; d.views.set(key, v); }
    if (v && v.loaded) {
      var known = v.messages.has(m.msg_id);
      if (!known && how.edit) return;
      v.messages.set(m.msg_id, m);
    }
    if (how.edit) {
      if (c.last && c.last.msg_id === m.msg_id) { c.last = m; d.renderConversations(); }
      if (key === d.current) d.renderMessages();
      return;
    }
    if (!c.last || m.ts >= c.ts) { c.last = m; c.ts = m.ts; }
    var open = key === d.current && document.visibilityState === 'visible';
    if (m.from !== d.me) {
      if (m.chat === 'single') {
        var due = deliveredDue.get(m.from);
        if (!due || Imcloud.idAfter(m.msg_id, due)) deliveredDue.set(m.from, m.msg_id);
        setTimeout(flushDelivered, 0);
      }
      // Counts from a catch-up come from the server's list after it.
      if (how.live && !open) c.unread += 1;
      if (open) d.markRead(Object.assign(c, { unread: Math.max(c.unread, 1) }));
    }
    if (key === d.current) d.renderMessages();
    d.renderConversations();
  }

  function flushDelivered() {
    if (!d.client || d.client.state !== 'online') return;
    deliveredDue.forEach(function (msgId, peer) {
      deliveredDue.delete(peer);
      d.client.delivered(peer, msgId).catch(function () { /* a receipt is a courtesy */ });
    });
  }

  function onRecall(p) {
    var peer = p.chat !== 'single' ? p.to : (p.from === d.me ? p.to : p.from);
    removeMessage(d.keyOf(p.chat, peer), p.msg_id);
  }

  function onReceipt(p) {
    if (p.chat !== 'single') return;
    if (p.from === d.me) { d.refreshConversations(); return; } // read on another device of mine
    var c = d.convs.get(d.keyOf('single', p.from));
    if (!c) return;
    if (p.kind === 'read' && Imcloud.idAfter(p.msg_id, c.peer_read || '0')) c.peer_read = p.msg_id;
    if (Imcloud.idAfter(p.msg_id, c.peer_delivered || '0')) c.peer_delivered = p.msg_id;
    if (d.keyOf('single', p.from) === d.current) d.renderMessages();
  }

  d.startEdit = startEdit;
  d.recall = recall;
  d.deliverOwn = deliverOwn;
  d.onStart.push(function (client) {
    client.on('message', onMessage);
    client.on('recall', onRecall);
    client.on('receipt', onReceipt);
    client.on('edit', function (p) { onMessage(p.msg, { live: true, edit: true }); });
    client.on('synced', flushDelivered);
  });
  d.onSignOut.push(function () { if (editing) stopEdit(); deliveredDue.clear(); });
})(window.imcloudDemo);
