//! Callbacks to the app's servers (Easemob §8, imcloud §14.3) as the
//! domain sees them: the rules an app keeps, the events its entities
//! queue, and the queue itself. The gateway (`src/hooks/`) calls the
//! pre-send rules and delivers the queues; no entity waits for HTTP.
//!
//! - [`rules`]: a callback rule, its fields and their checks.
//! - [`event`]: what a queued post-send event holds.
//! - [`registry`]: the node's cache of each app's post-send rules (which
//!   lanes an event goes to) and the outbox signals to the couriers.
//! - [`emit`]: queuing an event from an entity step.
//! - [`queue`]: the shard queries that read and delete queued entries.

pub mod emit;
pub mod event;
pub mod queue;
pub mod registry;
pub mod rules;

pub use emit::{emit, emit_new, emit_replaced};
pub use event::{AlertReason, HookEvent, QueuedEvent, StatusReason};
pub use registry::{HookRegistry, LaneKey, PUSH_LANE};
pub use rules::{CallbackRule, ChatKind, EventKind, FailPolicy, RuleKind, RulePatch};
