/*
 * The cluster's shard handoff, as a model for Spin (docs/cluster.md).
 *
 * One shard, two nodes, two messages. The shard's log is a JetStream stream:
 * replicated by NATS, so it is never lost, and it appends a record only if
 * the writer names the stream's current last sequence (JetStream's
 * expected-last-sequence header). A node serves the shard only after it has
 * rebuilt its local store from the stream and then appended a CLAIM record
 * naming the sequence it rebuilt to: that claim is what fences the node
 * before it. A send is written to the local store and appended to the
 * stream; the sender is acknowledged only when both are done.
 *
 * Nodes may crash at any step (kill -9 with the disk lost: the worst case),
 * pause for any length of time (SIGSTOP: Spin's interleavings cover it),
 * and lose a reply (the sender times out and resends, to any node, with the
 * same message id). Clients resend until acknowledged.
 *
 * Checked properties (assertions, `scripts/check-model.sh`):
 *   - an acknowledged message is in the stream, and every node that serves
 *     the shard holds every message of the stream: an acked message is
 *     never lost;
 *   - every record appended after a claim is the claimer's: never two
 *     owners writing;
 *   - a message is appended at most once: resends are deduplicated.
 *
 * Mutants (each must make the check fail, which shows the check can fail):
 *   -DNO_FENCE        append without the expected-last-sequence condition
 *   -DACK_BEFORE_LOG  acknowledge after the local write, before the stream
 *   -DKEEP_DIVERGED   a fenced node keeps its local write instead of
 *                     discarding its local store and rebuilding
 *   -DNO_CLAIM        serve after catching up, without appending a claim
 */

#define NODES 2
#define MSGS 2
#define MAXLEN 7
#define MAXCRASH 1

mtype = { CLAIM, DATA };

/* The stream. */
mtype kind[MAXLEN];
byte writer[MAXLEN];
byte msg[MAXLEN];
byte top = 0; /* the number of records */

/* Per node: local store, the sequence it is in step with, whether it serves. */
typedef Store { bool has[MSGS] };
Store store[NODES];
byte synced[NODES];
bool serving[NODES];
byte crashes = 0;

bool acked[MSGS];

chan req[NODES] = [MSGS] of { byte };
chan rep[MSGS] = [1] of { bool };

/* The helpers below run as one step (d_step) and leave their scratch
 * variables at zero, so that they add no states of their own. */
inline in_stream(m, found) {
  found = false;
  i = 0;
  do
  :: i < top -> if :: kind[i] == DATA && msg[i] == m -> found = true :: else -> skip fi; i++
  :: else -> break
  od;
  i = 0
}

inline last_claimer(who) {
  who = 255;
  i = 0;
  do
  :: i < top -> if :: kind[i] == CLAIM -> who = writer[i] :: else -> skip fi; i++
  :: else -> break
  od;
  i = 0
}

/* The local store no longer matches the stream: throw it away. */
inline discard(me) {
  store[me].has[0] = false;
  store[me].has[1] = false;
  synced[me] = 0;
  serving[me] = false
}

/* A node that starts serving holds every message of the stream, and every
 * acknowledged message is in the stream. */
inline check_claim(me) {
  i = 0;
  do
  :: i < top -> if :: kind[i] == DATA -> assert(store[me].has[msg[i]]) :: else -> skip fi; i++
  :: else -> break
  od;
  i = 0;
  k = 0;
  do
  :: k < MSGS -> if :: acked[k] -> in_stream(k, found); assert(found) :: else -> skip fi; k++
  :: else -> break
  od;
  k = 0;
  found = false
}

proctype Node(byte me) {
  byte m, seen, i, k, who;
  bool ok, found;
end:
  do
  :: /* Take the shard: catch up from the stream, then claim. The catch-up
      * is one step: what matters is the window between it and the claim,
      * in which the node before may still append. */
     !serving[me] ->
       d_step {
         seen = synced[me];
         do
         :: seen < top ->
              if :: kind[seen] == DATA -> store[me].has[msg[seen]] = true :: else -> skip fi;
              seen++
         :: else -> break
         od;
         synced[me] = seen;
         seen = 0
       };
       d_step {
         if
#ifdef NO_CLAIM
         :: true -> serving[me] = true
#else
         :: top == synced[me] && top < MAXLEN ->
              kind[top] = CLAIM; writer[top] = me; top++;
              synced[me] = top; serving[me] = true;
              check_claim(me)
#endif
         :: else -> skip /* someone wrote meanwhile: read on, try again */
         fi
       }
  :: /* Serve a send. */
     req[me] ? m ->
       if
       :: !serving[me] -> rep[m] ! false
       :: serving[me] && store[me].has[m] ->
            /* Already stored: a resend. */
            d_step { in_stream(m, found); assert(found); found = false };
            acked[m] = true;
            rep[m] ! true
       :: serving[me] && !store[me].has[m] ->
            store[me].has[m] = true; /* the local flush */
#ifdef ACK_BEFORE_LOG
            acked[m] = true;
            rep[m] ! true;
#endif
            d_step {
              if
#ifdef NO_FENCE
              :: top < MAXLEN ->
#else
              :: top == synced[me] && top < MAXLEN ->
#endif
                   in_stream(m, found);
                   assert(!found);
                   last_claimer(who);
                   assert(who == me);
                   kind[top] = DATA; writer[top] = me; msg[top] = m; top++;
                   synced[me] = top;
                   ok = true;
                   found = false;
                   who = 0
              :: else ->
                   /* Fenced: another node claimed the shard. Step down. */
#ifdef KEEP_DIVERGED
                   serving[me] = false;
#else
                   discard(me);
#endif
                   ok = false
              fi
            };
#ifdef ACK_BEFORE_LOG
            ok = false;
#else
            if
            :: ok -> acked[m] = true; rep[m] ! true
            :: ok -> rep[m] ! false /* the reply is lost: the sender resends */
            :: !ok -> rep[m] ! false
            fi;
#endif
            ok = false
       fi;
       m = 0
  :: /* kill -9, and the node's disk is lost with it. */
     crashes < MAXCRASH ->
       d_step { crashes++; discard(me) }
  od
}

proctype Client(byte m) {
  bool ok;
  do
  :: req[0] ! m; rep[m] ? ok; if :: ok -> break :: else -> skip fi
  :: req[1] ! m; rep[m] ? ok; if :: ok -> break :: else -> skip fi
  od;
end:
  skip
}

init {
  atomic {
    run Node(0);
    run Node(1);
    run Client(0);
    run Client(1)
  }
}
