// Drives the unmodified Easemob Web SDK (npm easemob-websdk, pinned in
// package.json) under Node.js for imcloud's msync tests (tests/msync/).
// Protocol: one JSON command per stdin line, one JSON event or reply per
// stdout line. Commands carry `req` (echoed in the reply) and `conn` (a
// name for one SDK connection; several may live in one process).
//
//   {"req":1,"cmd":"open","conn":"a","appKey":"demo#chat","api":"http://…",
//    "url":"ws://…/websocket","user":"alice","pwd":"…"}        (or "token")
//   {"req":2,"cmd":"send","conn":"a","msg":{"type":"txt","chatType":"singleChat","to":"bob","msg":"hi","ext":{…}}}
//   {"req":3,"cmd":"joinRoom","conn":"a","room":"…"}  /  "leaveRoom"
//   {"req":4,"cmd":"close","conn":"a"}
//   {"req":5,"cmd":"api","conn":"a","method":"getServerConversations","args":[{…}]}
//        any method of the connection, its result as JSON
//   {"req":6,"cmd":"send","conn":"a","msg":{"type":"file",…},"file":{"base64":"…","name":"a.txt","mime":"text/plain"}}
//        a message with an attachment: the SDK uploads it, then sends
//   {"req":7,"cmd":"download","conn":"a","url":"…","secret":"…"}
//        the SDK's download (utils.download) of an attachment, as base64
//   {"req":8,"cmd":"modify","conn":"a","messageId":"…","msg":{"type":"txt",…}}
//        modifyMessage with a message made by WebIM.message.create
//
// Events: {"event":"connected"|"disconnected"|"error"|"message",
// "conn":…, …}; every other SDK callback listed in SDK_EVENTS as
// {"event":"sdk","name":"onContactInvited",…,"data":…}. The SDK's own
// logging goes to stderr.
'use strict';

const readline = require('readline');
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
for (const level of ['log', 'info', 'warn', 'debug', 'trace']) {
  console[level] = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
}

// The SDK's platform check runs at load time: these must exist first.
const store = new Map();
globalThis.self = globalThis;
globalThis.window = globalThis;
globalThis.WebSocket = require('ws');
// xhr2 cannot send a FormData (the SDK's uploads): it is encoded first,
// as a browser would, then sent as bytes with its multipart type.
const BaseXHR = require('xhr2');
class NodeXHR extends BaseXHR {
  send(data) {
    if (typeof FormData !== 'undefined' && data instanceof FormData) {
      const encoded = new Response(data);
      encoded.arrayBuffer().then((buf) => {
        this.setRequestHeader('Content-Type', encoded.headers.get('content-type'));
        BaseXHR.prototype.send.call(this, Buffer.from(buf));
      }, (e) => process.stderr.write('encoding a FormData failed: ' + e + '\n'));
      return undefined;
    }
    return BaseXHR.prototype.send.call(this, data);
  }
}
globalThis.XMLHttpRequest = NodeXHR;
globalThis.localStorage = {
  getItem: (k) => (store.has(k) ? store.get(k) : null),
  setItem: (k, v) => store.set(k, String(v)),
  removeItem: (k) => store.delete(k),
  clear: () => store.clear(),
  key: (i) => Array.from(store.keys())[i] ?? null,
  get length() { return store.size; },
};
globalThis.navigator = { userAgent: 'node' };

const WebIM = require('easemob-websdk').default || require('easemob-websdk');

const conns = new Map();
const MESSAGE_EVENTS = ['onTextMessage', 'onImageMessage', 'onVideoMessage', 'onAudioMessage',
  'onFileMessage', 'onLocationMessage', 'onCmdMessage', 'onCustomMessage', 'onCombineMessage'];

// Callbacks forwarded as {"event":"sdk","name":…,"data":…}.
const SDK_EVENTS = ['onContactInvited', 'onContactAgreed', 'onContactRefuse', 'onContactDeleted',
  'onContactAdded', 'onPresenceStatusChange', 'onReadMessage', 'onDeliveredMessage',
  'onRecallMessage', 'onModifiedMessage', 'onReceivedMessage', 'onChannelMessage',
  'onGroupEvent', 'onChatroomEvent', 'onTokenWillExpire', 'onTokenExpired'];

// A result or event as plain JSON (no functions, no XHR objects).
function plain(v) {
  return JSON.parse(JSON.stringify(v === undefined ? null : v, (k, x) => (
    k === 'xhr' || typeof x === 'function' ? undefined : x)));
}

function errorOf(e) {
  if (e && typeof e === 'object') return { type: e.type, message: e.message, data: e.data };
  return { message: String(e) };
}

function connect(c) {
  const conn = new WebIM.connection({
    appKey: c.appKey,
    isHttpDNS: false,
    apiUrl: c.api,
    url: c.url,
    isFixedDeviceId: c.fixedDevice !== false,
    delivery: c.delivery === true,
    autoReconnectNumMax: 2,
  });
  const handler = {
    onConnected: () => out({ event: 'connected', conn: c.conn }),
    onDisconnected: (e) => out({ event: 'disconnected', conn: c.conn, error: e ? errorOf(e) : null }),
    onError: (e) => out({ event: 'error', conn: c.conn, error: errorOf(e) }),
    onOfflineMessageSyncStart: () => out({ event: 'offlineStart', conn: c.conn }),
    onOfflineMessageSyncFinish: () => out({ event: 'offlineFinish', conn: c.conn }),
  };
  for (const name of MESSAGE_EVENTS) {
    handler[name] = (m) => {
      const { accessToken, ...rest } = m; // eslint-disable-line no-unused-vars
      out({ event: 'message', conn: c.conn, via: name, message: rest });
    };
  }
  for (const name of SDK_EVENTS) {
    handler[name] = (data) => out({ event: 'sdk', name, conn: c.conn, data: plain(data) });
  }
  conn.addEventHandler('driver', handler);
  return conn;
}

async function run(c) {
  switch (c.cmd) {
    case 'open': {
      const conn = conns.get(c.conn) || connect(c);
      conns.set(c.conn, conn);
      const opts = c.token ? { user: c.user, accessToken: c.token } : { user: c.user, pwd: c.pwd };
      const r = await conn.open(opts);
      return { accessToken: r && r.accessToken };
    }
    case 'send': {
      const conn = conns.get(c.conn);
      const opts = { ...c.msg };
      if (c.file) {
        const data = new Blob([Buffer.from(c.file.base64, 'base64')], { type: c.file.mime });
        opts.file = { data, filename: c.file.name, filetype: c.file.mime, url: '' };
      }
      const msg = WebIM.message.create(opts);
      const r = await conn.send(msg);
      return { serverMsgId: r.serverMsgId, localMsgId: r.localMsgId, message: plain(r.message) };
    }
    case 'api': {
      const conn = conns.get(c.conn);
      if (typeof conn[c.method] !== 'function') throw new Error('no method ' + c.method);
      return plain(await conn[c.method](...(c.args || [])));
    }
    case 'modify': {
      const conn = conns.get(c.conn);
      const modifiedMessage = WebIM.message.create(c.msg);
      return plain(await conn.modifyMessage({ messageId: c.messageId, modifiedMessage }));
    }
    case 'download': {
      const conn = conns.get(c.conn);
      return await new Promise((resolve, reject) => {
        WebIM.utils.download.call(conn, {
          url: c.url,
          secret: c.secret,
          responseType: 'arraybuffer',
          onFileDownloadComplete: (body) => resolve({ base64: Buffer.from(body).toString('base64') }),
          onFileDownloadError: (e) => reject(e),
        });
      });
    }
    case 'joinRoom':
      return await conns.get(c.conn).joinChatRoom({ roomId: c.room });
    case 'leaveRoom':
      return await conns.get(c.conn).leaveChatRoom({ roomId: c.room });
    case 'close':
      conns.get(c.conn).close();
      return {};
    case 'isOpened':
      return { opened: conns.get(c.conn).isOpened() };
    default:
      throw new Error('unknown command ' + c.cmd);
  }
}

process.on('unhandledRejection', (e) => out({ event: 'unhandled', error: errorOf(e) }));
process.on('uncaughtException', (e) => out({ event: 'uncaught', error: { message: String(e && e.stack || e) } }));

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let c;
  try { c = JSON.parse(line); } catch (e) { out({ event: 'badCommand', line }); return; }
  run(c).then(
    (result) => out({ reply: c.req, ok: true, result: result === undefined ? null : result }),
    (e) => out({ reply: c.req, ok: false, error: errorOf(e) }),
  );
});
rl.on('close', () => process.exit(0));
out({ event: 'ready', version: require('easemob-websdk/package.json').version });
