//! The browser side the binary serves: `/sdk/imcloud.js` and `/demo`
//! (`assets`: types, caching, the demo's content security policy), and
//! the demo driven in Debian's headless Chromium through playwright-core
//! (`chat`: two users become contacts, chat 1:1 and in a group, reload,
//! recall, lose the network and catch up), and the admin console driven
//! the same way (`console`: an operator sets up an app whose users then
//! chat in the demo).

mod assets;
mod chat;
mod console;
