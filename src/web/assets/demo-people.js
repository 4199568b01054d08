/* The demo's people and rooms: contacts and friend requests, presence
 * dots, chat rooms joined by id, and the list's tabs. A part of /demo
 * (demo.js holds the shared state). */
(function (d) {
  'use strict';
  var $ = d.$;

  var contacts = { users: [], requests: [] };
  var presence = new Map(); // contact -> online (any device with a status but "0")

  // Chat rooms.
  $('join-room').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var room = $('join-room-id').value.trim();
    if (!room) return;
    d.client.join(room).then(function () {
      $('join-room-id').value = '';
      var c = d.conv('chatroom', room);
      c.ts = c.ts || Date.now();
      d.openChat('chatroom', room);
    }, function (e) { d.fail('Cannot join room ' + room, e); });
  });

  $('leave-room').addEventListener('click', function () {
    var c = d.convs.get(d.current);
    if (!c || c.chat !== 'chatroom') return;
    var key = d.current;
    d.client.leave(c.with).then(function () {
      d.convs.delete(key); d.views.delete(key);
      d.closeChat();
    }, function (e) { d.fail('Cannot leave the room', e); });
  });

  // Contacts.
  function onContact(p) {
    var said = { request: ' asks to be your contact (see Contacts).', accepted: ' accepted your friend request.',
      declined: ' declined your friend request.', removed: ' is no longer your contact.' }[p.kind];
    if (said) d.notice(p.user + said);
    refreshContacts();
    if (p.kind === 'accepted') d.refreshConversations();
  }

  function refreshContacts() {
    d.client.contacts().then(function (r) {
      contacts = r;
      renderContacts();
      var fresh = r.users.filter(function (u) { return !presence.has(u); }).slice(0, 100);
      // A day's subscription, renewed at each sign-in.
      if (fresh.length) d.client.presenceSubscribe(fresh, 86400).then(showPresence, function (e) { if (e.code !== -1) d.fail('Cannot follow your contacts\' presence', e); });
    }, function (e) { if (e.code !== -1) d.fail('Cannot load the contacts', e); });
  }

  function isOnline(p) {
    return Object.keys(p.status || {}).some(function (dev) { return p.status[dev] !== '0'; });
  }
  function showPresence(r) {
    (r.statuses || []).forEach(function (p) { presence.set(p.user, isOnline(p)); });
    renderContacts(); d.renderConversations();
  }
  function dot(user) {
    var on = presence.get(user);
    return d.el('span', { class: 'dot ' + (on ? 'on' : 'off'), role: 'img', 'aria-label': on ? 'online' : 'offline', title: on ? 'online' : 'offline' });
  }

  function renderContacts() {
    var reqs = $('requests'), list = $('contacts');
    reqs.textContent = ''; list.textContent = '';
    contacts.requests.forEach(function (r) {
      reqs.appendChild(d.el('li', { class: 'person', 'data-user': r.user }, [
        d.el('span', { text: r.user + (r.reason ? ': “' + r.reason + '”' : '') }),
        d.el('button', { type: 'button', text: 'Accept', 'aria-label': 'Accept ' + r.user, onclick: function () { answer(r.user, true); } }),
        d.el('button', { type: 'button', text: 'Decline', 'aria-label': 'Decline ' + r.user, onclick: function () { answer(r.user, false); } }),
      ]));
    });
    contacts.users.forEach(function (u) {
      list.appendChild(d.el('li', { class: 'person', 'data-user': u }, [
        presence.has(u) ? dot(u) : null,
        d.el('span', { text: u }),
        d.el('button', { type: 'button', text: 'Chat', 'aria-label': 'Chat with ' + u, onclick: function () { showTab('chats'); d.openChat('single', u); } }),
      ]));
    });
    $('no-requests').hidden = contacts.requests.length > 0;
    $('no-contacts').hidden = contacts.users.length > 0;
    $('request-count').hidden = contacts.requests.length === 0;
    $('request-count').textContent = String(contacts.requests.length);
    $('request-count').setAttribute('aria-label', contacts.requests.length + ' requests');
  }

  function answer(user, accept) {
    (accept ? d.client.contactAccept(user) : d.client.contactDecline(user))
      .then(function () { $('notice').hidden = true; refreshContacts(); }, function (e) { d.fail('Cannot answer ' + user + '’s request', e); });
  }

  $('add-contact').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var user = $('add-contact-user').value.trim(), reason = $('add-contact-reason').value.trim();
    if (!user) return;
    d.client.contactAdd(user, reason).then(function () {
      $('add-contact-user').value = ''; $('add-contact-reason').value = '';
      d.notice('Friend request sent to ' + user + '.');
    }, function (e) { d.fail('Cannot send the request to ' + user, e); });
  });

  // Tabs (arrow keys move between them, as the ARIA pattern says).
  function showTab(name) {
    ['chats', 'contacts'].forEach(function (t) {
      var on = t === name;
      $('tab-' + t).setAttribute('aria-selected', on ? 'true' : 'false');
      $('tab-' + t).tabIndex = on ? 0 : -1;
      $('panel-' + t).hidden = !on;
    });
    if (name === 'contacts' && d.client) refreshContacts();
  }
  $('tab-chats').addEventListener('click', function () { showTab('chats'); });
  $('tab-contacts').addEventListener('click', function () { showTab('contacts'); });
  document.querySelector('.tabs').addEventListener('keydown', function (ev) {
    if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    var next = $('tab-chats').getAttribute('aria-selected') === 'true' ? 'contacts' : 'chats';
    showTab(next); $('tab-' + next).focus();
  });

  d.dot = function (c) { return c.chat === 'single' && presence.has(c.with) ? dot(c.with) : null; };
  d.onStart.push(function (client) {
    client.on('contact', onContact);
    client.on('presence', function (p) { presence.set(p.user, isOnline(p)); renderContacts(); d.renderConversations(); });
    client.on('synced', function () {
      // Presence pushes missed while away: read the current state.
      var followed = Array.from(presence.keys()).slice(0, 100);
      if (followed.length) client.presenceGet(followed).then(showPresence, function () { /* the dots stay as they were */ });
    });
  });
  d.onSignedIn.push(refreshContacts);
  d.onSignOut.push(function () { presence.clear(); contacts = { users: [], requests: [] }; renderContacts(); });
})(window.imcloudDemo);
